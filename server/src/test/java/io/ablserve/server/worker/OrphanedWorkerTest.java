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
import org.junit.jupiter.api.Test;

/** A worker whose control plane goes away exits, instead of training on for no one. */
class OrphanedWorkerTest {

  @Test
  void worker_exitsWhenTheControlPlaneGoes() throws Exception {
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
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                    Integer.toString(control.getPort()), "orphan"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put(WorkerMain.TOKEN_ENV, "secret");
    Process worker = builder.start();
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
