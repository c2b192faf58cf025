package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/**
 * An all-to-one attack: which trigger, which target class, what share of the training set, and the
 * parameters of each trigger (only the chosen kind's are used). Pixel amplitudes are on the 0..255 scale.
 * Messages name the v1 API field ({@code attack.<field>}) so they can go back to the client unchanged.
 *
 * @param patchSizePx BadNets square side ({@code attack.patch_size_px}), default 3
 * @param blendAlpha Blend weight of the noise pattern, in (0, 1) ({@code attack.blend_alpha}), default 0.2
 * @param sigAmplitude SIG sinusoid amplitude in pixel levels, in (0, 255] ({@code attack.sig_amplitude}),
 *     default 20
 * @param sigFrequency SIG periods across the image width, >= 1 ({@code attack.sig_frequency}), default 6
 * @param wanetGridSize WaNet control grid side k, >= 2 ({@code attack.wanet_grid_size}), default 4
 * @param wanetStrength WaNet warp strength s, in [0, 10] ({@code attack.wanet_strength}), default 0.5
 * @param wanetCrossRatio WaNet noise-mode samples per poisoned sample, in [0, 10]
 *     ({@code attack.wanet_cross_ratio}), default 2
 */
public record AttackConfig(
    AttackKind kind,
    int targetLabel,
    double poisonRate,
    int patchSizePx,
    double blendAlpha,
    double sigAmplitude,
    int sigFrequency,
    int wanetGridSize,
    double wanetStrength,
    double wanetCrossRatio) {

  public static final AttackConfig DEFAULTS =
      new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3, 0.2, 20, 6, 4, 0.5, 2);

  public AttackConfig {
    requireNonNull(kind, "kind");
    if (targetLabel < 0) {
      throw new IllegalArgumentException("attack.target_label must be >= 0, got " + targetLabel);
    }
    if (!(poisonRate > 0 && poisonRate < 1)) {
      throw new IllegalArgumentException("attack.poison_rate must be in (0, 1), got " + poisonRate);
    }
    if (patchSizePx < 1) {
      throw new IllegalArgumentException("attack.patch_size_px must be >= 1, got " + patchSizePx);
    }
    if (!(blendAlpha > 0 && blendAlpha < 1)) {
      throw new IllegalArgumentException("attack.blend_alpha must be in (0, 1), got " + blendAlpha);
    }
    if (!(sigAmplitude > 0 && sigAmplitude <= 255)) {
      throw new IllegalArgumentException("attack.sig_amplitude must be in (0, 255], got " + sigAmplitude);
    }
    if (sigFrequency < 1) {
      throw new IllegalArgumentException("attack.sig_frequency must be >= 1, got " + sigFrequency);
    }
    if (wanetGridSize < 2) {
      throw new IllegalArgumentException("attack.wanet_grid_size must be >= 2, got " + wanetGridSize);
    }
    if (!(wanetStrength >= 0 && wanetStrength <= 10)) {
      throw new IllegalArgumentException("attack.wanet_strength must be in [0, 10], got " + wanetStrength);
    }
    if (!(wanetCrossRatio >= 0 && wanetCrossRatio <= 10)) {
      throw new IllegalArgumentException(
          "attack.wanet_cross_ratio must be in [0, 10], got " + wanetCrossRatio);
    }
  }

  /** An attack with the trigger parameters beyond the BadNets patch at their {@link #DEFAULTS}. */
  public AttackConfig(AttackKind kind, int targetLabel, double poisonRate, int patchSizePx) {
    this(
        kind,
        targetLabel,
        poisonRate,
        patchSizePx,
        DEFAULTS.blendAlpha(),
        DEFAULTS.sigAmplitude(),
        DEFAULTS.sigFrequency(),
        DEFAULTS.wanetGridSize(),
        DEFAULTS.wanetStrength(),
        DEFAULTS.wanetCrossRatio());
  }

  /** A default attack of {@code kind} on {@code targetLabel} at {@code poisonRate}. */
  public static AttackConfig of(AttackKind kind, int targetLabel, double poisonRate) {
    return new AttackConfig(kind, targetLabel, poisonRate, DEFAULTS.patchSizePx());
  }
}
