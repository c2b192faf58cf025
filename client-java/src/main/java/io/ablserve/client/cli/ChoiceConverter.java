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
 * A choice among the values of an API enum, named by what follows the enum's prefix in lower case with
 * hyphens ({@code ISOLATION_SIGNAL_LOSS_DROP} is {@code loss-drop}) and read from the enum itself, so a
 * value the proto gains needs no edit here. Any case, with {@code -} or {@code _}, is accepted ({@code
 * small-cnn}, {@code small_cnn}, {@code SMALL-CNN}, {@code BadNets}), as the Python client accepts them; the
 * error lists the allowed names. One subclass per option, which picocli makes through its no-argument
 * constructor.
 */
abstract class ChoiceConverter<E> implements ITypeConverter<E> {
  private final Map<String, E> choices;

  ChoiceConverter(Map<String, E> choices) {
    this.choices = Map.copyOf(choices);
  }

  @Override
  public final E convert(String value) {
    E choice = choices.get(value.strip().toLowerCase(Locale.ROOT).replace('_', '-'));
    if (choice == null) {
      throw new TypeConversionException(
          "expected one of " + new TreeMap<>(choices).keySet() + " but was '" + value + "'");
    }
    return choice;
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

  static final class AttackChoice extends ChoiceConverter<AttackKind> {
    AttackChoice() {
      super(named(AttackKind.values(), "ATTACK_KIND_"));
    }
  }

  static final class LabelModeChoice extends ChoiceConverter<LabelMode> {
    LabelModeChoice() {
      super(named(LabelMode.values(), "LABEL_MODE_"));
    }
  }

  static final class ModelChoice extends ChoiceConverter<ModelArch> {
    ModelChoice() {
      super(named(ModelArch.values(), "MODEL_ARCH_"));
    }
  }

  static final class DefenseChoice extends ChoiceConverter<Defense> {
    DefenseChoice() {
      super(named(Defense.values(), "DEFENSE_"));
    }
  }

  static final class LossChoice extends ChoiceConverter<IsolationLoss> {
    LossChoice() {
      super(named(IsolationLoss.values(), "ISOLATION_LOSS_"));
    }
  }

  static final class ReductionChoice extends ChoiceConverter<LossReduction> {
    ReductionChoice() {
      super(named(LossReduction.values(), "LOSS_REDUCTION_"));
    }
  }

  static final class RankingChoice extends ChoiceConverter<Ranking> {
    RankingChoice() {
      super(named(Ranking.values(), "RANKING_"));
    }
  }

  static final class IsolationSignalChoice extends ChoiceConverter<IsolationSignal> {
    IsolationSignalChoice() {
      super(named(IsolationSignal.values(), "ISOLATION_SIGNAL_"));
    }
  }

  static final class SuspectTreatmentChoice extends ChoiceConverter<SuspectTreatment> {
    SuspectTreatmentChoice() {
      super(named(SuspectTreatment.values(), "SUSPECT_TREATMENT_"));
    }
  }

  static final class UnlearningModeChoice extends ChoiceConverter<UnlearningMode> {
    UnlearningModeChoice() {
      super(named(UnlearningMode.values(), "UNLEARNING_MODE_"));
    }
  }

  static final class PatchCornerChoice extends ChoiceConverter<PatchCorner> {
    PatchCornerChoice() {
      super(named(PatchCorner.values(), "PATCH_CORNER_"));
    }
  }

  static final class BlendPatternChoice extends ChoiceConverter<BlendPattern> {
    BlendPatternChoice() {
      super(named(BlendPattern.values(), "BLEND_PATTERN_"));
    }
  }

  /**
   * Not a session setting: the export's file format, named for the file ({@code djl} for DJL's
   * parameters), as the Python client's {@code format=} names it.
   */
  static final class ModelFormatChoice extends ChoiceConverter<ModelFormat> {
    ModelFormatChoice() {
      super(Map.of(
          "djl", ModelFormat.MODEL_FORMAT_DJL_PARAMS,
          "safetensors", ModelFormat.MODEL_FORMAT_SAFETENSORS));
    }
  }
}
