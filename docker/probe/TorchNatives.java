import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

/**
 * Run at image build time: makes DJL put the PyTorch native library (and its JNI glue) into DJL_CACHE_DIR,
 * so the server starts offline and without unpacking ~450 MB on every container start. With the CPU natives
 * bundled in the jar DJL unpacks them; with them stripped and PYTORCH_FLAVOR=cu128 it downloads DJL's CUDA
 * build (needs -Dai.djl.offline=false and internet). Loading may fail where the build has no GPU driver;
 * what counts is that the files are in the cache, which the caller checks.
 */
public final class TorchNatives {

  public static void main(String[] args) {
    try {
      Engine engine = Engine.getEngine("PyTorch");
      System.out.println("loaded " + engine.getEngineName() + " " + engine.getVersion());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      System.out.println("not loadable here (" + e + "); checking the cache only");
    }
    System.out.println("libtorch in " + LibUtils.getLibtorchPath());
  }
}
