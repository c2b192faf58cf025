package io.ablserve.server.data;

/**
 * The label-consistent attack's perturbation: L-inf projected gradient ascent on a {@link Surrogate}'s
 * cross-entropy, from the clean image (no random start), each step {@code stepSize} levels in the sign of the
 * gradient, then projected onto the {@code epsilon} ball around the clean image and the pixel range. The
 * result is rounded to bytes and clamped so no pixel moves more than {@code floor(epsilon)} levels.
 */
final class AdversarialPerturbation {
  private AdversarialPerturbation() {}

  /**
   * Perturbs the images of {@code clean} at {@code indices}, writing them into {@code pixels} (laid out as
   * {@code clean.pixels()}), against a surrogate trained on {@code clean} from {@code seed}.
   */
  static void apply(
      ImageSet clean, int[] indices, LabelConsistentParams params, byte[] pixels, long seed) {
    try (Surrogate surrogate = Surrogate.train(clean, params.surrogateEpochs(), seed)) {
      perturb(
          surrogate, clean, indices, params.epsilonFor(clean.channels()), params.stepSize(), params.steps(),
          pixels);
    }
  }

  static void perturb(
      Surrogate surrogate, ImageSet clean, int[] indices, double epsilon, double stepSize, int steps,
      byte[] pixels) {
    int bytes = clean.imageBytes();
    float radius = (float) (epsilon / 255);
    float step = (float) (stepSize / 255);
    int levels = (int) Math.floor(epsilon);
    for (int from = 0; from < indices.length; from += Surrogate.BATCH) {
      int n = Math.min(Surrogate.BATCH, indices.length - from);
      float[] x0 = new float[n * bytes];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        int index = indices[from + i];
        System.arraycopy(Surrogate.inputs(clean.pixels(), index * bytes, 1, bytes), 0, x0, i * bytes, bytes);
        labels[i] = clean.labels()[index];
      }
      float[] x = x0.clone();
      for (int s = 0; s < steps; s++) {
        float[] sign = surrogate.lossGradientSign(x, labels, n);
        for (int k = 0; k < x.length; k++) {
          float lo = Math.max(0f, x0[k] - radius);
          float hi = Math.min(1f, x0[k] + radius);
          x[k] = Math.min(hi, Math.max(lo, x[k] + step * sign[k]));
        }
      }
      for (int i = 0; i < n; i++) {
        int offset = indices[from + i] * bytes;
        for (int k = 0; k < bytes; k++) {
          int original = clean.pixels()[indices[from + i] * bytes + k] & 0xff;
          long value = Math.round(x[i * bytes + k] * 255.0);
          value = Math.max(original - levels, Math.min(original + levels, value));
          pixels[offset + k] = (byte) Math.max(0, Math.min(255, value));
        }
      }
    }
  }
}
