package io.ablserve.server.api;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.Defense;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The v2 session config and session as the v1 ones the server resolves and stores, and back, by the
 * fields' names (see the v2 proto's header): nothing here names a defence, an attack or an option, so a
 * defence or an attack added to both protos needs no change here.
 *
 * <p>A v2 field maps to the v1 field of its name in the first v1 message that has one (a defence's and
 * Training's fields: AblConfig, then SessionConfig; an attack's: AttackSpec), else, for a trigger's own
 * options, to the trigger's name, an underscore and its name there ({@code blend.alpha} is {@code
 * blend_alpha}). The defence oneof's case {@code abl} is {@code DEFENSE_ABL}, the trigger's {@code cl} is
 * {@code ATTACK_KIND_CL}.
 */
final class V2Translation {
  private static final Descriptor V2_CONFIG = io.ablserve.v2.SessionConfig.getDescriptor();
  private static final OneofDescriptor DEFENSE = V2_CONFIG.findFieldByName("abl").getContainingOneof();
  private static final OneofDescriptor TRIGGER =
      io.ablserve.v2.AttackSpec.getDescriptor().findFieldByName("badnets").getContainingOneof();
  /** The v2 config's fields translated on their own, not copied by name. */
  private static final Set<String> STRUCTURED = Set.of("attack", "training");
  private static final String DEFENSE_PREFIX = "DEFENSE_";
  private static final String ATTACK_PREFIX = "ATTACK_KIND_";

  private V2Translation() {}

  /** {@code config} as the v1 config the server resolves. */
  static io.ablserve.v1.SessionConfig toV1(io.ablserve.v2.SessionConfig config) {
    io.ablserve.v1.SessionConfig.Builder v1 = io.ablserve.v1.SessionConfig.newBuilder();
    AblConfig.Builder abl = AblConfig.newBuilder();
    copyInto(config, "", STRUCTURED, v1);
    copyInto(config.getTraining(), "", Set.of(), abl, v1);
    FieldDescriptor defense = config.getOneofFieldDescriptor(DEFENSE);
    if (defense != null) {
      abl.setDefense(Defense.valueOf(enumValue(Defense.getDescriptor(), DEFENSE_PREFIX, defense)));
      copyInto((Message) config.getField(defense), "", Set.of(), abl, v1);
    }
    if (config.hasAttack()) {
      io.ablserve.v2.AttackSpec attack = config.getAttack();
      io.ablserve.v1.AttackSpec.Builder spec = io.ablserve.v1.AttackSpec.newBuilder();
      copyInto(attack, "", Set.of(), spec);
      FieldDescriptor trigger = attack.getOneofFieldDescriptor(TRIGGER);
      if (trigger != null) {
        spec.setKind(AttackKind.valueOf(enumValue(AttackKind.getDescriptor(), ATTACK_PREFIX, trigger)));
        copyInto((Message) attack.getField(trigger), trigger.getName(), Set.of(), spec);
      }
      v1.setAttack(spec);
    }
    if (config.hasTraining() || defense != null) {
      v1.setAbl(abl);
    }
    return v1.build();
  }

  /** The v1 {@code config} (an echo, resolved) as a v2 one: the options of its defence and attack alone. */
  static io.ablserve.v2.SessionConfig fromV1(io.ablserve.v1.SessionConfig config) {
    io.ablserve.v2.SessionConfig.Builder v2 = io.ablserve.v2.SessionConfig.newBuilder();
    copyFrom(v2, "", STRUCTURED, config);
    AblConfig abl = config.getAbl();
    if (config.hasAbl()) {
      copyFrom(v2.getTrainingBuilder(), "", Set.of(), abl, config);
    }
    if (abl.getDefense() != Defense.DEFENSE_UNSPECIFIED) {
      FieldDescriptor defense = caseOf(DEFENSE, DEFENSE_PREFIX, abl.getDefenseValue(), abl.getDefense().name());
      Message.Builder options = v2.newBuilderForField(defense);
      copyFrom(options, "", Set.of(), abl, config);
      v2.setField(defense, options.build());
    }
    if (config.hasAttack()) {
      io.ablserve.v1.AttackSpec spec = config.getAttack();
      io.ablserve.v2.AttackSpec.Builder attack = v2.getAttackBuilder();
      copyFrom(attack, "", Set.of(), spec);
      if (spec.getKind() != AttackKind.ATTACK_KIND_UNSPECIFIED) {
        FieldDescriptor trigger = caseOf(TRIGGER, ATTACK_PREFIX, spec.getKindValue(), spec.getKind().name());
        Message.Builder options = attack.newBuilderForField(trigger);
        copyFrom(options, trigger.getName(), Set.of(), spec);
        attack.setField(trigger, options.build());
      }
    }
    return v2.build();
  }

  /** {@code session} with its config as v2's. */
  static io.ablserve.v2.Session fromV1(io.ablserve.v1.Session session) {
    io.ablserve.v2.Session.Builder v2 = io.ablserve.v2.Session.newBuilder();
    copyFrom(v2, "", Set.of("config"), session);
    if (session.hasConfig()) {
      v2.setConfig(fromV1(session.getConfig()));
    }
    return v2.build();
  }

  /** The defence oneof's case named {@code name} ("abl", "fp", ...); IllegalArgumentException if none. */
  static FieldDescriptor defenseCase(String name) {
    FieldDescriptor field = oneofCase(DEFENSE, name);
    if (field != null) {
      return field;
    }
    throw new IllegalArgumentException(
        "defense must be one of "
            + DEFENSE.getFields().stream().map(FieldDescriptor::getName).toList()
            + " or empty, got '" + name + "'");
  }

  /** An empty v2 config whose defence is {@code defense}. */
  static io.ablserve.v2.SessionConfig withDefense(FieldDescriptor defense) {
    io.ablserve.v2.SessionConfig.Builder config = io.ablserve.v2.SessionConfig.newBuilder();
    return config.setField(defense, config.newBuilderForField(defense).build()).build();
  }

  /**
   * Sets each field {@code source} has set, but those named in {@code skip}, on the v1 field it maps to in
   * the first of {@code targets} that has one.
   */
  private static void copyInto(
      Message source, String prefix, Set<String> skip, Message.Builder... targets) {
    for (Map.Entry<FieldDescriptor, Object> set : source.getAllFields().entrySet()) {
      FieldDescriptor from = set.getKey();
      OneofDescriptor oneof = from.getContainingOneof();
      if (skip.contains(from.getName()) || oneof == DEFENSE || oneof == TRIGGER) {
        continue;
      }
      boolean copied = false;
      for (Message.Builder target : targets) {
        FieldDescriptor to = counterpart(from, prefix, target.getDescriptorForType());
        if (to != null) {
          target.setField(to, set.getValue());
          copied = true;
          break;
        }
      }
      if (!copied) {
        throw new IllegalStateException("v2 field " + from.getFullName() + " has no v1 counterpart");
      }
    }
  }

  /**
   * Sets each field of {@code target}, but those named in {@code skip} and the oneofs translated on their
   * own, from the v1 field it maps to in the first of {@code sources} that has one, where that is set.
   */
  private static void copyFrom(
      Message.Builder target, String prefix, Set<String> skip, Message... sources) {
    for (FieldDescriptor to : target.getDescriptorForType().getFields()) {
      OneofDescriptor oneof = to.getContainingOneof();
      if (skip.contains(to.getName()) || oneof == DEFENSE || oneof == TRIGGER) {
        continue;
      }
      for (Message source : sources) {
        FieldDescriptor from = counterpart(to, prefix, source.getDescriptorForType());
        if (from != null) {
          if (source.hasField(from)) {
            target.setField(to, source.getField(from));
          }
          break;
        }
      }
    }
  }

  /**
   * The field of {@code v1} that {@code field} maps to: its name, else {@code prefix_name}, of the same
   * type; null when {@code v1} has neither.
   */
  private static FieldDescriptor counterpart(FieldDescriptor field, String prefix, Descriptor v1) {
    FieldDescriptor named = v1.findFieldByName(field.getName());
    if (named == null && !prefix.isEmpty()) {
      named = v1.findFieldByName(prefix + "_" + field.getName());
    }
    if (named == null) {
      return null;
    }
    boolean sameType =
        named.getJavaType() == field.getJavaType()
            && named.isRepeated() == field.isRepeated()
            && (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
                || named.getMessageType() == field.getMessageType())
            && (field.getJavaType() != FieldDescriptor.JavaType.ENUM
                || named.getEnumType() == field.getEnumType());
    if (!sameType) {
      throw new IllegalStateException(
          "v2 field " + field.getFullName() + " and v1 field " + named.getFullName() + " differ in type");
    }
    return named;
  }

  private static EnumValueDescriptor enumValue(EnumDescriptor type, String prefix, FieldDescriptor option) {
    EnumValueDescriptor value = type.findValueByName(prefix + option.getName().toUpperCase(Locale.ROOT));
    if (value == null) {
      throw new IllegalStateException(
          "v2 " + option.getFullName() + " has no v1 " + type.getName() + " " + prefix + "value");
    }
    return value;
  }

  private static FieldDescriptor caseOf(OneofDescriptor oneof, String prefix, int number, String name) {
    FieldDescriptor field =
        name.startsWith(prefix)
            ? oneofCase(oneof, name.substring(prefix.length()).toLowerCase(Locale.ROOT))
            : null;
    if (field == null) {
      throw new IllegalStateException("v1 value " + name + " (" + number + ") has no v2 " + oneof.getName());
    }
    return field;
  }

  /** The case of {@code oneof} named {@code name}; null when it has none. */
  private static FieldDescriptor oneofCase(OneofDescriptor oneof, String name) {
    FieldDescriptor field = oneof.getContainingType().findFieldByName(name);
    return field != null && field.getContainingOneof() == oneof ? field : null;
  }
}
