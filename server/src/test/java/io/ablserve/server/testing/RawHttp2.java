package io.ablserve.server.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A plaintext HTTP/2 connection spoken frame by frame over a plain socket, for tests of what the server
 * does to a connection (GOAWAY, SETTINGS) that a well-behaved gRPC client would never provoke or show.
 * It sends the client preface and an empty SETTINGS frame, and acknowledges the server's SETTINGS and
 * PINGs as it reads.
 */
public final class RawHttp2 implements AutoCloseable {
  public static final int SETTINGS = 0x4;
  public static final int PING = 0x6;
  public static final int GOAWAY = 0x7;
  public static final int ACK = 0x1;
  public static final int NO_ERROR = 0x0;
  public static final int ENHANCE_YOUR_CALM = 0xb;
  public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** One frame as read: its type, flags, stream and payload. */
  public record Frame(int type, int flags, int streamId, byte[] payload) {
    /** A GOAWAY's error code (RFC 9113 6.8). */
    public int errorCode() {
      return ByteBuffer.wrap(payload, 4, 4).getInt();
    }

    /** A GOAWAY's debug data, as text. */
    public String debugData() {
      return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
    }

    /** The value of a SETTINGS parameter, if this SETTINGS frame carries it. */
    public Optional<Long> setting(int id) {
      ByteBuffer settings = ByteBuffer.wrap(payload);
      while (settings.remaining() >= 6) {
        int key = settings.getShort() & 0xffff;
        long value = settings.getInt() & 0xffffffffL;
        if (key == id) {
          return Optional.of(value);
        }
      }
      return Optional.empty();
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to a plaintext server on the loopback and sends the preface and empty SETTINGS. */
  public static RawHttp2 connect(int port) throws IOException {
    RawHttp2 connection = new RawHttp2(new Socket("127.0.0.1", port));
    connection.out.write(PREFACE);
    connection.send(SETTINGS, 0, 0, new byte[0]);
    return connection;
  }

  public void ping(long opaque) throws IOException {
    send(PING, 0, 0, ByteBuffer.allocate(8).putLong(opaque).array());
  }

  public synchronized void send(int type, int flags, int streamId, byte[] payload) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(9);
    header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8))
        .put((byte) payload.length).put((byte) type).put((byte) flags).putInt(streamId);
    out.write(header.array());
    out.write(payload);
    out.flush();
  }

  /**
   * The next frame of {@code type} within {@code timeout}; empty when the server closed the connection
   * first. Other frames are skipped.
   */
  public Optional<Frame> await(int type, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (left <= 0) {
        throw new SocketTimeoutException("no frame of type " + type + " within " + timeout);
      }
      socket.setSoTimeout((int) left);
      Frame frame;
      try {
        frame = next();
      } catch (EOFException e) {
        return Optional.empty();
      }
      if (frame.type() == type) {
        return Optional.of(frame);
      }
    }
  }

  /** True once the server has closed the connection, reading (and dropping) frames until then. */
  public boolean closedWithin(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
      try {
        next();
      } catch (EOFException e) {
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) { // reset by the server
        return true;
      }
    }
    return false;
  }

  /**
   * The next frame, after answering it as a client must: SETTINGS with an ACK, and a PING with its ACK
   * (a server going away gracefully waits for one before it sends its final GOAWAY).
   */
  private Frame next() throws IOException {
    Frame frame = read();
    if (frame.type() == SETTINGS && (frame.flags() & ACK) == 0) {
      send(SETTINGS, ACK, 0, new byte[0]);
    } else if (frame.type() == PING && (frame.flags() & ACK) == 0) {
      send(PING, ACK, 0, frame.payload());
    }
    return frame;
  }

  private Frame read() throws IOException {
    int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int streamId = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(type, flags, streamId, payload);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
