package io.ablserve.server.session;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.BlendPattern;
import io.ablserve.server.data.DynamicParams;
import io.ablserve.server.data.LabelConsistentParams;
import io.ablserve.server.data.LabelMode;
import io.ablserve.server.data.PatchCorner;
import io.ablserve.v1.AttackSpec;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The v1 {@link AttackSpec} and the poisoner's {@link AttackConfig}, both ways: unset fields take {@link
 * AttackConfig#DEFAULTS}, and the echo sets every field a client may read back. Rejections are
 * IllegalArgumentExceptions naming the API field and its allowed values.
 */
final class AttackSpecs {
  private static final String API_KIND_PREFIX = "ATTACK_KIND_";
  private static final String KIND_NAMES =
      Arrays.stream(AttackKind.values()).map(Enum::name).collect(Collectors.joining(", "));

  private AttackSpecs() {}

  static AttackConfig fromApi(AttackSpec spec) {
    AttackConfig d = AttackConfig.DEFAULTS;
    AttackKind kind =
        switch (spec.getKind()) {
          case ATTACK_KIND_UNSPECIFIED -> d.kind();
          case UNRECOGNIZED -> throw unknown("attack.kind", KIND_NAMES, spec.getKindValue());
          // By name, as apiKind maps back: a new attack needs no line here (AttackSpecsTest pins the match).
          default -> AttackKind.valueOf(spec.getKind().name().substring(API_KIND_PREFIX.length()));
        };
    LabelMode labelMode =
        switch (spec.getLabelMode()) {
          case LABEL_MODE_UNSPECIFIED -> d.labelMode();
          case LABEL_MODE_ALL_TO_ONE -> LabelMode.ALL_TO_ONE;
          case LABEL_MODE_ALL_TO_ALL -> LabelMode.ALL_TO_ALL;
          case UNRECOGNIZED -> throw unknown(
              "attack.label_mode", "ALL_TO_ONE, ALL_TO_ALL", spec.getLabelModeValue());
        };
    // All-to-all has no target: a stray target_label must not be range-checked against the classes.
    int target =
        labelMode == LabelMode.ALL_TO_ALL || !spec.hasTargetLabel() ? d.targetLabel() : spec.getTargetLabel();
    return new AttackConfig(
        kind,
        target,
        spec.hasPoisonRate() ? spec.getPoisonRate() : d.poisonRate(),
        spec.hasPatchSizePx() ? spec.getPatchSizePx() : d.patchSizePx(),
        spec.hasBlendAlpha() ? spec.getBlendAlpha() : d.blendAlpha(),
        spec.hasSigAmplitude() ? spec.getSigAmplitude() : d.sigAmplitude(),
        spec.hasSigFrequency() ? spec.getSigFrequency() : d.sigFrequency(),
        spec.hasWanetGridSize() ? spec.getWanetGridSize() : d.wanetGridSize(),
        spec.hasWanetStrength() ? spec.getWanetStrength() : d.wanetStrength(),
        spec.hasWanetCrossRatio() ? spec.getWanetCrossRatio() : d.wanetCrossRatio(),
        switch (spec.getPatchCorner()) {
          case PATCH_CORNER_UNSPECIFIED -> d.patchCorner();
          case PATCH_CORNER_BOTTOM_RIGHT -> PatchCorner.BOTTOM_RIGHT;
          case PATCH_CORNER_BOTTOM_LEFT -> PatchCorner.BOTTOM_LEFT;
          case PATCH_CORNER_TOP_LEFT -> PatchCorner.TOP_LEFT;
          case PATCH_CORNER_TOP_RIGHT -> PatchCorner.TOP_RIGHT;
          case UNRECOGNIZED -> throw unknown(
              "attack.patch_corner", "BOTTOM_RIGHT, BOTTOM_LEFT, TOP_LEFT, TOP_RIGHT", spec.getPatchCornerValue());
        },
        spec.hasPatchMarginPx() ? spec.getPatchMarginPx() : d.patchMarginPx(),
        switch (spec.getBlendPattern()) {
          case BLEND_PATTERN_UNSPECIFIED -> d.blendPattern();
          case BLEND_PATTERN_NOISE -> BlendPattern.NOISE;
          case BLEND_PATTERN_CHECKERBOARD -> BlendPattern.CHECKERBOARD;
          case UNRECOGNIZED -> throw unknown(
              "attack.blend_pattern", "NOISE, CHECKERBOARD", spec.getBlendPatternValue());
        },
        spec.hasBlendSeed() ? spec.getBlendSeed() : d.blendSeed(),
        labelMode,
        cl(spec),
        dynamic(spec));
  }

  private static DynamicParams dynamic(AttackSpec spec) {
    DynamicParams d = AttackConfig.DEFAULTS.dynamic();
    return new DynamicParams(
        spec.hasDynamicGeneratorEpochs() ? spec.getDynamicGeneratorEpochs() : d.generatorEpochs(),
        spec.hasDynamicMaskEpochs() ? spec.getDynamicMaskEpochs() : d.maskEpochs(),
        spec.hasDynamicCrossRatio() ? spec.getDynamicCrossRatio() : d.crossRatio(),
        spec.hasDynamicMaskDensity() ? spec.getDynamicMaskDensity() : d.maskDensity());
  }

  private static LabelConsistentParams cl(AttackSpec spec) {
    LabelConsistentParams d = AttackConfig.DEFAULTS.cl();
    if (spec.hasClEpsilon() && Double.isNaN(spec.getClEpsilon())) {
      // NaN stands for "by the images" inside the server only.
      throw new IllegalArgumentException("attack.cl_epsilon must be in (0, 255], got NaN");
    }
    return new LabelConsistentParams(
        spec.hasClEpsilon() ? spec.getClEpsilon() : d.epsilon(),
        spec.hasClStepSize() ? spec.getClStepSize() : d.stepSize(),
        spec.hasClSteps() ? spec.getClSteps() : d.steps(),
        spec.hasClSurrogateEpochs() ? spec.getClSurrogateEpochs() : d.surrogateEpochs(),
        spec.hasClAllCorners() ? spec.getClAllCorners() : d.allCorners());
  }

  /**
   * The resolved attack as clients see it. Every field is set but {@code target_label} all-to-all (there is
   * none) and {@code cl_epsilon} while it is still "by the images" (the resolver sets it for CL, the one
   * attack it means something to).
   */
  static AttackSpec toApi(AttackConfig attack) {
    AttackSpec.Builder spec =
        AttackSpec.newBuilder()
            .setKind(apiKind(attack.kind()))
            .setPoisonRate(attack.poisonRate())
            .setPatchSizePx(attack.patchSizePx())
            .setBlendAlpha(attack.blendAlpha())
            .setSigAmplitude(attack.sigAmplitude())
            .setSigFrequency(attack.sigFrequency())
            .setWanetGridSize(attack.wanetGridSize())
            .setWanetStrength(attack.wanetStrength())
            .setWanetCrossRatio(attack.wanetCrossRatio())
            .setPatchCorner(io.ablserve.v1.PatchCorner.valueOf("PATCH_CORNER_" + attack.patchCorner()))
            .setPatchMarginPx(attack.patchMarginPx())
            .setBlendPattern(io.ablserve.v1.BlendPattern.valueOf("BLEND_PATTERN_" + attack.blendPattern()))
            .setBlendSeed(attack.blendSeed())
            .setLabelMode(io.ablserve.v1.LabelMode.valueOf("LABEL_MODE_" + attack.labelMode()))
            .setClStepSize(attack.cl().stepSize())
            .setClSteps(attack.cl().steps())
            .setClSurrogateEpochs(attack.cl().surrogateEpochs())
            .setClAllCorners(attack.cl().allCorners())
            .setDynamicGeneratorEpochs(attack.dynamic().generatorEpochs())
            .setDynamicMaskEpochs(attack.dynamic().maskEpochs())
            .setDynamicCrossRatio(attack.dynamic().crossRatio())
            .setDynamicMaskDensity(attack.dynamic().maskDensity());
    if (attack.labelMode() == LabelMode.ALL_TO_ONE) {
      spec.setTargetLabel(attack.targetLabel());
    }
    if (!Double.isNaN(attack.cl().epsilon())) {
      spec.setClEpsilon(attack.cl().epsilon());
    }
    return spec.build();
  }

  private static io.ablserve.v1.AttackKind apiKind(AttackKind kind) {
    return io.ablserve.v1.AttackKind.valueOf(API_KIND_PREFIX + kind);
  }

  private static IllegalArgumentException unknown(String field, String allowed, int value) {
    return new IllegalArgumentException(field + " must be one of " + allowed + ", got " + value);
  }
}
