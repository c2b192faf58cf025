package io.ablserve.server.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.ControlMessage;
import io.ablserve.worker.v1.WorkerChannelServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** A worker whose control plane goes away exits, instead of training on for no one. */
class OrphanedWorkerTest {

  /** A local worker, given a bare port: its control plane is its parent. */
  @Test
  void worker_exitsWhenTheControlPlaneGoes() throws Exception {
    exitsWhenTheControlPlaneGoes(port -> Integer.toString(port));
  }

  /**
   * A Kubernetes Job's worker, given HOST:PORT: no parent to watch, so the broken channel alone tells it
   * that its control plane died.
   */
  @Test
  void jobWorker_exitsWhenTheControlPlaneGoes() throws Exception {
    exitsWhenTheControlPlaneGoes(port -> "127.0.0.1:" + port);
  }

  /**
   * A Job admitted after its control plane was replaced: the new one does not expect its token, so the
   * worker is refused and exits rather than train a session that is someone else's now.
   */
  @Test
  void jobWorker_refusedByANewControlPlane_exits() throws Exception {
    Server control =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new WorkerChannel())
            .build()
            .start();
    Process worker = startWorker("127.0.0.1:" + control.getPort());
    try {
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker exited").isTrue();
      assertThat(worker.exitValue()).isEqualTo(WorkerMain.ORPHANED);
    } finally {
      worker.destroyForcibly();
      control.shutdownNow();
    }
  }

  private static Process startWorker(String controlPlane) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                    controlPlane, "orphan"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put(WorkerMain.TOKEN_ENV, "secret");
    return builder.start();
  }

  private static void exitsWhenTheControlPlaneGoes(IntFunction<String> address) throws Exception {
    CountDownLatch hello = new CountDownLatch(1);
    Server control =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                new WorkerChannelServiceGrpc.WorkerChannelServiceImplBase() {
                  @Override
                  public StreamObserver<AttachRequest> attach(StreamObserver<ControlMessage> out) {
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(AttachRequest request) {
                        if (request.hasHello() && request.getHello().getToken().equals("secret")) {
                          hello.countDown();
                        }
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .build()
            .start();
    Process worker = startWorker(address.apply(control.getPort()));
    try {
      assertThat(hello.await(60, TimeUnit.SECONDS)).as("the worker said hello").isTrue();

      control.shutdownNow(); // as a control plane that died: its connections drop

      assertThat(worker.waitFor(20, TimeUnit.SECONDS)).as("the worker exited").isTrue();
      assertThat(worker.exitValue()).isEqualTo(WorkerMain.ORPHANED);
    } finally {
      worker.destroyForcibly();
      control.shutdownNow();
    }
  }
}
