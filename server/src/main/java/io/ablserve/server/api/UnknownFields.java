package io.ablserve.server.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * Refuses a config that carries fields this server's API does not know. A client built from a newer proto
 * may send an option, or a defence or attack case of a v2 oneof, that this server would otherwise drop
 * unread, and the session would train on the server's default in its place without a word.
 */
final class UnknownFields {
  private UnknownFields() {}

  /** IllegalArgumentException naming the first unknown field in {@code message} or a message within it. */
  static void reject(Message message, String path) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new IllegalArgumentException(
          path + " has field number " + message.getUnknownFields().asMap().keySet().iterator().next()
              + ", which this server's " + message.getDescriptorForType().getFullName()
              + " does not have: is the client built from a newer ablserve API than the server?");
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String at = path + "." + field.getKey().getName();
      if (field.getKey().isRepeated()) {
        for (Object element : (List<?>) field.getValue()) {
          reject((Message) element, at);
        }
      } else {
        reject((Message) field.getValue(), at);
      }
    }
  }
}
