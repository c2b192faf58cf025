package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;

/**
 * An attack: which trigger, which target class (all-to-one) or the shift of every class (all-to-all), what
 * share of the training set, and the parameters of each trigger (only the chosen kind's are used). Pixel
 * amplitudes are on the 0..255 scale.
 * Messages name the v1 API field ({@code attack.<field>}) so they can go back to the client unchanged.
 *
 * @param patchSizePx BadNets square side ({@code attack.patch_size_px}), in [1, {@value #MAX_PX}] and less
 *     than the image side ({@link #checkFits}), default 3
 * @param blendAlpha Blend weight of the noise pattern, in (0, 1) ({@code attack.blend_alpha}), default 0.2
 * @param sigAmplitude SIG sinusoid amplitude in pixel levels, in (0, 255] ({@code attack.sig_amplitude}),
 *     default 20
 * @param sigFrequency SIG periods across the image width, in [1, {@value #MAX_PX}] and at most the width
 *     ({@code attack.sig_frequency}), default 6
 * @param wanetGridSize WaNet control grid side k, in [2, {@value #MAX_PX}] and at most the image side
 *     ({@code attack.wanet_grid_size}), default 4
 * @param wanetStrength WaNet warp strength s, in [0, 10] ({@code attack.wanet_strength}), default 0.5
 * @param wanetCrossRatio WaNet noise-mode samples per poisoned sample, in [0, 10]
 *     ({@code attack.wanet_cross_ratio}), default 2
 * @param patchCorner the corner the BadNets patch sits in ({@code attack.patch_corner}), default
 *     bottom-right
 * @param patchMarginPx pixels between the BadNets patch and its corner's edges, in [0, {@value #MAX_PX}]
 *     and at most the image side less the patch ({@code attack.patch_margin_px}), default 1
 * @param blendPattern the image Blend blends in ({@code attack.blend_pattern}), default noise
 * @param blendSeed the seed of the noise pattern ({@code attack.blend_seed}), default {@link
 *     BlendTrigger#PATTERN_SEED}
 * @param labelMode the label a poisoned sample gets ({@code attack.label_mode}), default all-to-one;
 *     all-to-all only for the dirty-label attacks that relabel ({@link AttackKind#allowsAllToAll})
 * @param cl the label-consistent attack's perturbation and patch placement ({@code attack.cl_*}); its patch
 *     is the BadNets patch ({@code attack.patch_size_px}, {@code attack.patch_margin_px}, {@code
 *     attack.patch_corner} when not at all corners)
 * @param dynamic the input-aware dynamic attack's generator training and cross mode ({@code
 *     attack.dynamic_*})
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
    double wanetCrossRatio,
    PatchCorner patchCorner,
    int patchMarginPx,
    BlendPattern blendPattern,
    long blendSeed,
    LabelMode labelMode,
    LabelConsistentParams cl,
    DynamicParams dynamic) {

  /**
   * The bound of the pixel-sized parameters before any image is known: every trigger's work grows with
   * them (a WaNet grid of 15,000 took 22 s and 5.8 GB to build).
   */
  public static final int MAX_PX = 1024;

  public static final AttackConfig DEFAULTS =
      new AttackConfig(
          AttackKind.BADNETS, 0, 0.1, 3, 0.2, 20, 6, 4, 0.5, 2, PatchCorner.BOTTOM_RIGHT, 1,
          BlendPattern.NOISE, BlendTrigger.PATTERN_SEED, LabelMode.ALL_TO_ONE,
          LabelConsistentParams.DEFAULTS, DynamicParams.DEFAULTS);

  public AttackConfig {
    requireNonNull(kind, "kind");
    requireNonNull(patchCorner, "patchCorner");
    requireNonNull(blendPattern, "blendPattern");
    requireNonNull(labelMode, "labelMode");
    requireNonNull(cl, "cl");
    requireNonNull(dynamic, "dynamic");
    if (labelMode == LabelMode.ALL_TO_ALL && !kind.allowsAllToAll()) {
      throw new IllegalArgumentException(
          "attack.label_mode ALL_TO_ALL applies to " + allToAllKinds() + ", which relabel their poisons; "
              + kind + (kind.cleanLabel() ? " is clean-label and keeps every label" : " poisons nothing"));
    }
    if (targetLabel < 0) {
      throw new IllegalArgumentException("attack.target_label must be >= 0, got " + targetLabel);
    }
    if (!(poisonRate > 0 && poisonRate < 1)) {
      throw new IllegalArgumentException("attack.poison_rate must be in (0, 1), got " + poisonRate);
    }
    if (patchSizePx < 1) {
      throw new IllegalArgumentException("attack.patch_size_px must be >= 1, got " + patchSizePx);
    }
    atMost("attack.patch_size_px", patchSizePx, 1);
    if (patchMarginPx < 0) {
      throw new IllegalArgumentException("attack.patch_margin_px must be >= 0, got " + patchMarginPx);
    }
    atMost("attack.patch_margin_px", patchMarginPx, 0);
    if (!(blendAlpha > 0 && blendAlpha < 1)) {
      throw new IllegalArgumentException("attack.blend_alpha must be in (0, 1), got " + blendAlpha);
    }
    if (!(sigAmplitude > 0 && sigAmplitude <= 255)) {
      throw new IllegalArgumentException("attack.sig_amplitude must be in (0, 255], got " + sigAmplitude);
    }
    if (sigFrequency < 1) {
      throw new IllegalArgumentException("attack.sig_frequency must be >= 1, got " + sigFrequency);
    }
    atMost("attack.sig_frequency", sigFrequency, 1);
    if (wanetGridSize < 2) {
      throw new IllegalArgumentException("attack.wanet_grid_size must be >= 2, got " + wanetGridSize);
    }
    atMost("attack.wanet_grid_size", wanetGridSize, 2);
    if (!(wanetStrength >= 0 && wanetStrength <= 10)) {
      throw new IllegalArgumentException("attack.wanet_strength must be in [0, 10], got " + wanetStrength);
    }
    if (!(wanetCrossRatio >= 0 && wanetCrossRatio <= 10)) {
      throw new IllegalArgumentException(
          "attack.wanet_cross_ratio must be in [0, 10], got " + wanetCrossRatio);
    }
  }

  /** The kinds that can run all-to-all, as a message lists them: "A, B and C". */
  private static String allToAllKinds() {
    List<String> names =
        Arrays.stream(AttackKind.values()).filter(AttackKind::allowsAllToAll).map(Enum::name).toList();
    return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
  }

  private static void atMost(String field, int value, int min) {
    if (value > MAX_PX) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + MAX_PX + "], got " + value);
    }
  }

  /**
   * Checks that the chosen trigger fits images of {@code height} x {@code width}, as the server's own
   * attack of the kind sees it ({@link Attack#checkFits}). IllegalArgumentException names the field and
   * its range for these images.
   */
  public void checkFits(int height, int width) {
    kind.standardAttack().checkFits(this, height, width);
  }

  /** An all-to-one attack. */
  public AttackConfig(
      AttackKind kind,
      int targetLabel,
      double poisonRate,
      int patchSizePx,
      double blendAlpha,
      double sigAmplitude,
      int sigFrequency,
      int wanetGridSize,
      double wanetStrength,
      double wanetCrossRatio,
      PatchCorner patchCorner,
      int patchMarginPx,
      BlendPattern blendPattern,
      long blendSeed) {
    this(
        kind, targetLabel, poisonRate, patchSizePx, blendAlpha, sigAmplitude, sigFrequency, wanetGridSize,
        wanetStrength, wanetCrossRatio, patchCorner, patchMarginPx, blendPattern, blendSeed,
        LabelMode.ALL_TO_ONE, LabelConsistentParams.DEFAULTS, DynamicParams.DEFAULTS);
  }

  /** This attack with {@code mode}'s labels. */
  public AttackConfig withLabelMode(LabelMode mode) {
    return new AttackConfig(
        kind, targetLabel, poisonRate, patchSizePx, blendAlpha, sigAmplitude, sigFrequency, wanetGridSize,
        wanetStrength, wanetCrossRatio, patchCorner, patchMarginPx, blendPattern, blendSeed, mode, cl,
        dynamic);
  }

  /** This attack with the label-consistent parameters {@code params}. */
  public AttackConfig withCl(LabelConsistentParams params) {
    return new AttackConfig(
        kind, targetLabel, poisonRate, patchSizePx, blendAlpha, sigAmplitude, sigFrequency, wanetGridSize,
        wanetStrength, wanetCrossRatio, patchCorner, patchMarginPx, blendPattern, blendSeed, labelMode,
        params, dynamic);
  }

  /** This attack with the dynamic attack's parameters {@code params}. */
  public AttackConfig withDynamic(DynamicParams params) {
    return new AttackConfig(
        kind, targetLabel, poisonRate, patchSizePx, blendAlpha, sigAmplitude, sigFrequency, wanetGridSize,
        wanetStrength, wanetCrossRatio, patchCorner, patchMarginPx, blendPattern, blendSeed, labelMode, cl,
        params);
  }

  /** The label a poisoned or triggered image of true class {@code label} carries. */
  public int poisonedLabel(int label, int numClasses) {
    return labelMode.poisonedLabel(label, targetLabel, numClasses);
  }

  /** An attack with the BadNets placement and the Blend pattern at their {@link #DEFAULTS}. */
  public AttackConfig(
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
    this(
        kind, targetLabel, poisonRate, patchSizePx, blendAlpha, sigAmplitude, sigFrequency, wanetGridSize,
        wanetStrength, wanetCrossRatio, PatchCorner.BOTTOM_RIGHT, 1, BlendPattern.NOISE,
        BlendTrigger.PATTERN_SEED);
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
