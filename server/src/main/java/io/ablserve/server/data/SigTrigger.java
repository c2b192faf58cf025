package io.ablserve.server.data;

/**
 * SIG (Barni et al. 2019): adds the horizontal sinusoid {@code v(j) = amplitude * sin(2 pi j f / width)} to
 * every row of every channel, {@code x' = clamp(round(x + v(j)), 0, 255)} with rounding half up. Which
 * samples receive it (target class only, labels kept) is {@link Poisoning}'s concern.
 */
public final class SigTrigger implements Trigger {
  private final double amplitude;
  private final int frequency;

  public SigTrigger(double amplitude, int frequency) {
    if (!(amplitude > 0 && amplitude <= 255)) {
      throw new IllegalArgumentException("attack.sig_amplitude must be in (0, 255], got " + amplitude);
    }
    if (frequency < 1) {
      throw new IllegalArgumentException("attack.sig_frequency must be >= 1, got " + frequency);
    }
    this.amplitude = amplitude;
    this.frequency = frequency;
  }

  /** The signal added at column {@code j} of a {@code width}-wide image. */
  public double signal(int j, int width) {
    return amplitude * Math.sin(2 * Math.PI * j * frequency / width);
  }

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    int w = shape.width();
    double[] v = new double[w];
    for (int j = 0; j < w; j++) {
      v[j] = signal(j, w);
    }
    int rows = shape.channels() * shape.height();
    for (int r = 0; r < rows; r++) {
      int row = offset + r * w;
      for (int j = 0; j < w; j++) {
        long value = Math.round((pixels[row + j] & 0xff) + v[j]);
        pixels[row + j] = (byte) Math.max(0, Math.min(255, value));
      }
    }
  }
}
