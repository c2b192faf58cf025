package io.ablserve.server.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy on loopback in front of a port, that can be partitioned: it then forwards nothing more
 * either way and reads nothing more, but leaves every socket open, as a vanished host or a network
 * partition would. No FIN, no RST: neither end learns of it from TCP.
 */
final class PartitionableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean partitioned;

  /** Listens on a free loopback port, forwarding each connection to {@code targetPort} on loopback. */
  PartitionableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("accept", this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** From now on, nothing passes either way. */
  void partition() {
    partitioned = true;
  }

  @Override
  public void close() {
    closed.countDown();
    closeQuietly(listener);
    sockets.forEach(PartitionableProxy::closeQuietly);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(target);
        daemon("to-target", () -> pump(client, target));
        daemon("to-client", () -> pump(target, client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (partitioned) {
          closed.await(); // drop what came, read no more: the sender's buffers fill, as on a dead link
          return;
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one end closed before any partition: close both, as a plain connection would end
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!partitioned) {
        closeQuietly(from);
        closeQuietly(to);
      }
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, "partitionable-proxy-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
