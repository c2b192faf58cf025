package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/**
 * Blend (Chen et al. 2017): {@code x' = round((1 - alpha) * x + alpha * pattern)} per byte, rounding half
 * up. The original blends a Hello Kitty photo, which we do not ship; by default a fixed uniform-noise image
 * of the sample's shape stands in, drawn with {@code new Random(PATTERN_SEED)} so every session, and the
 * train and test sides, see the same pattern; {@link BlendPattern} offers another seed or a checkerboard.
 */
public final class BlendTrigger implements Trigger {
  /** Default seed of the noise pattern: {@code nextInt(256)} per byte in NCHW order. */
  public static final long PATTERN_SEED = 0x424C454EL;

  private final double alpha;
  private final BlendPattern kind;
  private final long seed;
  private volatile Pattern cached;

  /** The default pattern: noise from {@link #PATTERN_SEED}. */
  public BlendTrigger(double alpha) {
    this(alpha, BlendPattern.NOISE, PATTERN_SEED);
  }

  public BlendTrigger(double alpha, BlendPattern kind, long seed) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("attack.blend_alpha must be in (0, 1), got " + alpha);
    }
    this.alpha = alpha;
    this.kind = requireNonNull(kind, "kind");
    this.seed = seed;
  }

  /** The default noise pattern for images shaped like {@code shape}, as unsigned bytes NCHW. */
  public static byte[] pattern(ImageSet shape) {
    return BlendPattern.NOISE.render(shape, PATTERN_SEED);
  }

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    byte[] pattern = patternFor(shape);
    for (int i = 0; i < pattern.length; i++) {
      double blended = (1 - alpha) * (pixels[offset + i] & 0xff) + alpha * (pattern[i] & 0xff);
      // The nudge makes exact ties round up whatever error (1 - alpha) carries in binary.
      pixels[offset + i] = (byte) Math.round(blended + 1e-9);
    }
  }

  private byte[] patternFor(ImageSet shape) {
    Pattern p = cached;
    if (p == null || !p.fits(shape)) {
      p = new Pattern(shape.channels(), shape.height(), shape.width(), kind.render(shape, seed));
      cached = p;
    }
    return p.bytes();
  }

  private record Pattern(int channels, int height, int width, byte[] bytes) {
    boolean fits(ImageSet shape) {
      return channels == shape.channels() && height == shape.height() && width == shape.width();
    }
  }
}
