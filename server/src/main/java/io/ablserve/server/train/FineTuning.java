package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Taps;
import java.util.HashSet;
import java.util.List;

/**
 * The baseline defences' second stage ({@link Defense#FT}, {@link Defense#FP}, {@link Defense#NAD}, {@link
 * Defense#MCR}): fine-tuning on the trusted clean subset after plain training, fine-pruning's stopping rule,
 * attention distillation's teacher, weight and layers, and mode connectivity's curve. Messages name the v1 API field
 * ({@code fine_tuning.<field>}); {@link #DEFAULTS} is the one place the defaults live.
 *
 * @param epochs fine-tuning epochs on the clean subset, after the session's {@code abl.epochs}, in [1,
 *     1000]; default 10, as the paper's baselines fine-tune
 * @param learningRate the fine-tuning learning rate, constant, in (0, 10]; default a tenth of the training
 *     rate ({@link #defaultLearningRate}): the small subset should move a trained model, not retrain it
 * @param maxAccuracyDrop fine-pruning: pruning stops before the clean subset's accuracy falls more than this
 *     below the unpruned model's, in [0, 1]; default 0.04, the 4 points Liu et al. allow
 * @param maxPruneRatio fine-pruning: the most of the last stage's channels pruned whatever the accuracy, in
 *     [0, 1); default 0.9
 * @param teacherEpochs attention distillation: the teacher's fine-tuning epochs on the clean subset, at
 *     {@code learningRate}, before the student's {@code epochs}, in [1, 1000]; default 5
 * @param distillationWeight attention distillation: beta, the attention term's weight beside the
 *     cross-entropy, in [0, 1e6]; default 10. The term here is an L2 distance, not the NAD code's mean
 *     squared error over the map's cells, so the paper's 5000 does not carry over: at map distances of
 *     0.05-0.1 the two pull with the same force for beta 8-16. On 2,000 Fashion-MNIST images (BadNets 10%,
 *     100 clean, lr 0.01; trained CA 76.6, ASR 92.5) beta 10 ended at CA 76.0, ASR 77.5 (5: 76.0/77.6, 25:
 *     74.7/79.5, 0 as FT: 76.4/75.6), its teacher itself still at ASR 85.8; 300 and more took the attack to
 *     0-16% only by taking clean accuracy to 29-44%
 * @param curveEpochs mode connectivity: epochs of training the Bezier curve's middle point on the clean
 *     subset, at {@code learningRate}, after the two endpoints' {@code epochs} each, in [1, 1000]; default 10
 * @param curvePoint mode connectivity: the point t of the curve the model ends at, in [0, 1] (0 and 1 the
 *     endpoints); default 0.4, well inside the curve, where the MCR paper reports the backdoor fading while
 *     clean accuracy holds
 * @param distilledLayers attention distillation: the {@link Taps} whose attention maps are compared, NCHW
 *     ones of the session's architecture, in any order; empty for the architecture's {@link
 *     #defaultDistilledLayers}, which {@link #forArch} fills in
 */
public record FineTuning(
    int epochs,
    double learningRate,
    double maxAccuracyDrop,
    double maxPruneRatio,
    int teacherEpochs,
    double distillationWeight,
    int curveEpochs,
    double curvePoint,
    List<String> distilledLayers) {
  public static final FineTuning DEFAULTS =
      new FineTuning(
          10, defaultLearningRate(AblConfig.DEFAULTS.learningRate()), 0.04, 0.9, 5, 10, 10, 0.4, List.of());

  public FineTuning {
    check(epochs >= 1 && epochs <= 1000, "fine_tuning.epochs must be in [1, 1000], got " + epochs);
    check(
        learningRate > 0 && learningRate <= 10,
        "fine_tuning.learning_rate must be in (0, 10], got " + learningRate);
    check(
        maxAccuracyDrop >= 0 && maxAccuracyDrop <= 1,
        "fine_pruning.max_accuracy_drop must be in [0, 1], got " + maxAccuracyDrop);
    check(
        maxPruneRatio >= 0 && maxPruneRatio < 1,
        "fine_pruning.max_prune_ratio must be in [0, 1), got " + maxPruneRatio);
    check(
        teacherEpochs >= 1 && teacherEpochs <= 1000,
        "nad.teacher_epochs must be in [1, 1000], got " + teacherEpochs);
    check(
        distillationWeight >= 0 && distillationWeight <= 1e6,
        "nad.beta must be in [0, 1e6], got " + distillationWeight);
    check(
        curveEpochs >= 1 && curveEpochs <= 1000,
        "mcr.curve_epochs must be in [1, 1000], got " + curveEpochs);
    check(curvePoint >= 0 && curvePoint <= 1, "mcr.t must be in [0, 1], got " + curvePoint);
    distilledLayers = List.copyOf(requireNonNull(distilledLayers, "distilledLayers"));
    check(
        new HashSet<>(distilledLayers).size() == distilledLayers.size(),
        "nad.layers must name each layer once, got " + distilledLayers);
  }

  /** Everything as given, attention distillation at its architecture's default layers. */
  public FineTuning(
      int epochs, double learningRate, double maxAccuracyDrop, double maxPruneRatio, int teacherEpochs,
      double distillationWeight, int curveEpochs, double curvePoint) {
    this(
        epochs, learningRate, maxAccuracyDrop, maxPruneRatio, teacherEpochs, distillationWeight, curveEpochs,
        curvePoint, List.of());
  }

  /** Fine-tuning, pruning and attention distillation as given, mode connectivity at its defaults. */
  public FineTuning(
      int epochs, double learningRate, double maxAccuracyDrop, double maxPruneRatio, int teacherEpochs,
      double distillationWeight) {
    this(
        epochs, learningRate, maxAccuracyDrop, maxPruneRatio, teacherEpochs, distillationWeight,
        DEFAULTS.curveEpochs, DEFAULTS.curvePoint);
  }

  /** Fine-tuning and pruning as given, the other defences' settings at their defaults. */
  public FineTuning(int epochs, double learningRate, double maxAccuracyDrop, double maxPruneRatio) {
    this(
        epochs, learningRate, maxAccuracyDrop, maxPruneRatio, DEFAULTS.teacherEpochs,
        DEFAULTS.distillationWeight);
  }

  /** The defaults, with the fine-tuning rate a tenth of {@code abl}'s training rate. */
  public static FineTuning defaultsFor(AblConfig abl) {
    return new FineTuning(
        DEFAULTS.epochs, defaultLearningRate(abl.learningRate()), DEFAULTS.maxAccuracyDrop,
        DEFAULTS.maxPruneRatio, DEFAULTS.teacherEpochs, DEFAULTS.distillationWeight, DEFAULTS.curveEpochs,
        DEFAULTS.curvePoint, DEFAULTS.distilledLayers);
  }

  /**
   * The layers attention distillation compares on {@code arch} when none are given: the last convolutional
   * stage's output and that of the stage before it, the last whose output differs from it in both width and
   * size (WRN's second group, ResNet's third stage, the small CNN's first conv block), as the paper distils
   * its WRN's last groups.
   */
  public static List<String> defaultDistilledLayers(ModelArch arch) {
    return switch (arch) {
      case SMALL_CNN -> List.of("conv1", Taps.LAST_CONV_STAGE);
      case WRN_16_1 -> List.of("group2", Taps.LAST_CONV_STAGE);
      case RESNET_18, RESNET_34 -> List.of("stage3", Taps.LAST_CONV_STAGE);
    };
  }

  /**
   * This stage on {@code arch}: its distilled layers, or {@code arch}'s defaults when it names none.
   * IllegalArgumentException, listing {@code arch}'s NCHW taps, for a layer that is not one of them.
   */
  public FineTuning forArch(ModelArch arch) {
    List<String> allowed = Taps.convolutional(arch);
    for (String layer : distilledLayers) {
      check(
          allowed.contains(layer),
          "nad.layers must name convolutional taps of " + arch + ", one of " + String.join(", ", allowed)
              + " (its taps are " + String.join(", ", Taps.of(arch)) + "), got '" + layer + "'");
    }
    if (!distilledLayers.isEmpty()) {
      return this;
    }
    return new FineTuning(
        epochs, learningRate, maxAccuracyDrop, maxPruneRatio, teacherEpochs, distillationWeight, curveEpochs,
        curvePoint, defaultDistilledLayers(arch));
  }

  /** The fine-tuning rate when none is given: a tenth of the session's training rate. */
  public static double defaultLearningRate(double trainingLearningRate) {
    return trainingLearningRate / 10;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
