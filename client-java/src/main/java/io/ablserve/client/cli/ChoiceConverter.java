package io.ablserve.client.cli;

import io.ablserve.v1.AttackKind;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.Defense;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.IsolationSignal;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.Ranking;
import io.ablserve.v1.SuspectTreatment;
import io.ablserve.v1.UnlearningMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A case-insensitive choice among kebab-case names for an API enum, with the allowed names in the
 * error; one subclass per option, which picocli makes through its no-argument constructor.
 */
abstract class ChoiceConverter<E> implements ITypeConverter<E> {
  private final Map<String, E> choices;

  ChoiceConverter(Map<String, E> choices) {
    this.choices = Map.copyOf(choices);
  }

  @Override
  public final E convert(String value) {
    E choice = choices.get(value.toLowerCase(Locale.ROOT));
    if (choice == null) {
      throw new TypeConversionException(
          "expected one of " + new TreeMap<>(choices).keySet() + " but was '" + value + "'");
    }
    return choice;
  }

  static final class AttackChoice extends ChoiceConverter<AttackKind> {
    AttackChoice() {
      super(Map.of(
          "none", AttackKind.ATTACK_KIND_NONE,
          "badnets", AttackKind.ATTACK_KIND_BADNETS,
          "blend", AttackKind.ATTACK_KIND_BLEND,
          "trojan", AttackKind.ATTACK_KIND_TROJAN,
          "sig", AttackKind.ATTACK_KIND_SIG,
          "wanet", AttackKind.ATTACK_KIND_WANET,
          "cl", AttackKind.ATTACK_KIND_CL,
          "dynamic", AttackKind.ATTACK_KIND_DYNAMIC));
    }
  }

  static final class LabelModeChoice extends ChoiceConverter<LabelMode> {
    LabelModeChoice() {
      super(Map.of(
          "all-to-one", LabelMode.LABEL_MODE_ALL_TO_ONE,
          "all-to-all", LabelMode.LABEL_MODE_ALL_TO_ALL));
    }
  }

  static final class ModelChoice extends ChoiceConverter<ModelArch> {
    ModelChoice() {
      super(Map.of(
          "small-cnn", ModelArch.MODEL_ARCH_SMALL_CNN,
          "wrn-16-1", ModelArch.MODEL_ARCH_WRN_16_1,
          "resnet-18", ModelArch.MODEL_ARCH_RESNET_18,
          "resnet-34", ModelArch.MODEL_ARCH_RESNET_34));
    }
  }

  static final class DefenseChoice extends ChoiceConverter<Defense> {
    DefenseChoice() {
      super(Map.of(
          "abl", Defense.DEFENSE_ABL,
          "none", Defense.DEFENSE_NONE,
          "ft", Defense.DEFENSE_FT,
          "fp", Defense.DEFENSE_FP,
          "nad", Defense.DEFENSE_NAD,
          "mcr", Defense.DEFENSE_MCR));
    }
  }

  static final class LossChoice extends ChoiceConverter<IsolationLoss> {
    LossChoice() {
      super(Map.of(
          "lga", IsolationLoss.ISOLATION_LOSS_LGA,
          "flooding", IsolationLoss.ISOLATION_LOSS_FLOODING));
    }
  }

  static final class ReductionChoice extends ChoiceConverter<LossReduction> {
    ReductionChoice() {
      super(Map.of(
          "per-sample", LossReduction.LOSS_REDUCTION_PER_SAMPLE,
          "batch-mean", LossReduction.LOSS_REDUCTION_BATCH_MEAN));
    }
  }

  static final class RankingChoice extends ChoiceConverter<Ranking> {
    RankingChoice() {
      super(Map.of("global", Ranking.RANKING_GLOBAL, "per-class", Ranking.RANKING_PER_CLASS));
    }
  }

  /** Every signal the API's {@code IsolationSignal} enum has, read from it rather than listed here. */
  static final class IsolationSignalChoice extends ChoiceConverter<IsolationSignal> {
    IsolationSignalChoice() {
      super(named(IsolationSignal.values(), "ISOLATION_SIGNAL_"));
    }
  }

  /** Every treatment the API's {@code SuspectTreatment} enum has, read from it. */
  static final class SuspectTreatmentChoice extends ChoiceConverter<SuspectTreatment> {
    SuspectTreatmentChoice() {
      super(named(SuspectTreatment.values(), "SUSPECT_TREATMENT_"));
    }
  }

  /**
   * The values of a proto enum but its UNSPECIFIED and UNRECOGNIZED, each named by what follows {@code
   * prefix}, in lower case with hyphens: {@code ISOLATION_SIGNAL_LOSS_DROP} is {@code loss-drop}.
   */
  static <E extends Enum<E>> Map<String, E> named(E[] values, String prefix) {
    return Arrays.stream(values)
        .filter(v -> v.name().startsWith(prefix) && !v.name().equals(prefix + "UNSPECIFIED"))
        .collect(Collectors.toMap(
            v -> v.name().substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '-'), v -> v));
  }

  static final class UnlearningModeChoice extends ChoiceConverter<UnlearningMode> {
    UnlearningModeChoice() {
      super(Map.of(
          "gga", UnlearningMode.UNLEARNING_MODE_GGA,
          "finetune-then-ascent", UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT));
    }
  }

  static final class PatchCornerChoice extends ChoiceConverter<PatchCorner> {
    PatchCornerChoice() {
      super(Map.of(
          "bottom-right", PatchCorner.PATCH_CORNER_BOTTOM_RIGHT,
          "bottom-left", PatchCorner.PATCH_CORNER_BOTTOM_LEFT,
          "top-left", PatchCorner.PATCH_CORNER_TOP_LEFT,
          "top-right", PatchCorner.PATCH_CORNER_TOP_RIGHT));
    }
  }

  static final class BlendPatternChoice extends ChoiceConverter<BlendPattern> {
    BlendPatternChoice() {
      super(Map.of(
          "noise", BlendPattern.BLEND_PATTERN_NOISE,
          "checkerboard", BlendPattern.BLEND_PATTERN_CHECKERBOARD));
    }
  }

  static final class ModelFormatChoice extends ChoiceConverter<ModelFormat> {
    ModelFormatChoice() {
      super(Map.of(
          "djl", ModelFormat.MODEL_FORMAT_DJL_PARAMS,
          "safetensors", ModelFormat.MODEL_FORMAT_SAFETENSORS));
    }
  }
}
