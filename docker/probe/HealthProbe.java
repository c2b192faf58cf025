import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

/**
 * The images' health check: asks a server's {@code grpc.health.v1} service for the whole server's status and
 * exits 0 only on SERVING. Compiled against the server's fat jar and run with it on the class path, so the
 * image needs no extra binary (grpc-health-probe) and check.sh can run the very same probe here.
 */
public final class HealthProbe {

  public static void main(String[] args) throws InterruptedException {
    String target = args.length > 0 ? args[0] : "127.0.0.1:50051";
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    int exitCode;
    try {
      ServingStatus status =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus();
      System.out.println(target + " " + status);
      exitCode = status == ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      System.out.println(target + " " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      exitCode = 1;
    } finally {
      channel.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
    }
    System.exit(exitCode);
  }
}
