package io.ablserve.client.cli;

import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.CleanData;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.Defense;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.IsolationSignal;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.Ranking;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SuspectTreatment;
import io.ablserve.v1.UnlearningMode;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The {@code run} options that make a {@link SessionConfig}. An option not given stays unset in the
 * request (boxed fields, null = unset), so the server applies and echoes its own default, as the Python
 * client does. On/off settings are negatable flags held in a
 * {@link Boolean} for the same reason: neither flag given leaves the field unset. Every option is also
 * named for its proto field, as the Python client names it ({@code --learning-rate} beside {@code --lr},
 * {@code --target-label} beside {@code --target}; a baseline defence's section as a prefix, {@code
 * --fine-tuning-epochs}); choices are the API enums' names (see {@link ChoiceConverter}).
 */
final class SessionConfigOptions {
  @Option(names = {"--name", "--display-name"}, paramLabel = "NAME",
      description = "Display name shown in listings"
          + " (default: none).")
  String name;

  @Option(names = "--dataset", paramLabel = "NAME",
      description = "Server-side dataset name (server default: fashion-mnist).")
  String dataset;

  @Option(names = "--train-limit", paramLabel = "N",
      description = "Train on the first N training samples only"
          + " (default: 0, all).")
  Integer trainLimit;

  @Option(names = "--test-limit", paramLabel = "N",
      description = "Evaluate on the first N test samples only"
          + " (default: 0, all).")
  Integer testLimit;

  @Option(names = {"--attack", "--attack-kind"}, paramLabel = "KIND", converter = ChoiceConverter.AttackChoice.class,
      description = "Poisoning of the training set: none, badnets, blend, trojan, sig, wanet, cl or dynamic"
          + " (server default: badnets).")
  AttackKind attack;

  @Option(names = {"--target", "--target-label"}, paramLabel = "CLASS",
      description = "The attack's target class"
          + " (server default: 0).")
  Integer targetLabel;

  @Option(names = "--label-mode", paramLabel = "MODE", converter = ChoiceConverter.LabelModeChoice.class,
      description = "The poisons' labels: all-to-one (the target) or all-to-all (class y becomes y + 1 mod"
          + " classes, no target; badnets, blend, trojan, wanet and dynamic only)"
          + " (server default: all-to-one).")
  LabelMode labelMode;

  @Option(names = "--poison-rate", paramLabel = "FRACTION",
      description = "Share of the training set poisoned, in (0, 1)"
          + " (server default: 0.1).")
  Double poisonRate;

  @Option(names = {"--patch-size", "--patch-size-px"}, paramLabel = "PX",
      description = "BadNets patch side in pixels"
          + " (server default: 3).")
  Integer patchSizePx;

  @Option(names = "--patch-corner", paramLabel = "CORNER",
      converter = ChoiceConverter.PatchCornerChoice.class,
      description = "BadNets: the corner the patch sits in, bottom-right, bottom-left, top-left or top-right"
          + " (server default: bottom-right).")
  PatchCorner patchCorner;

  @Option(names = {"--patch-margin", "--patch-margin-px"}, paramLabel = "PX",
      description = "BadNets: pixels between the patch and its corner's two edges, >= 0"
          + " (server default: 1).")
  Integer patchMarginPx;

  @Option(names = "--blend-pattern", paramLabel = "PATTERN",
      converter = ChoiceConverter.BlendPatternChoice.class,
      description = "Blend: the image blended in, noise (seeded by --blend-seed) or checkerboard"
          + " (server default: noise).")
  BlendPattern blendPattern;

  @Option(names = "--blend-seed", paramLabel = "SEED",
      description = "Blend: the seed of the noise pattern"
          + " (server default: 1112294734).")
  Long blendSeed;

  @Option(names = "--blend-alpha", paramLabel = "ALPHA",
      description = "Blend opacity of the noise pattern, in (0, 1)"
          + " (server default: 0.2).")
  Double blendAlpha;

  @Option(names = "--sig-amplitude", paramLabel = "DELTA",
      description = "SIG sinusoid amplitude in pixel units of 255, in (0, 255]"
          + " (server default: 20).")
  Double sigAmplitude;

  @Option(names = "--sig-frequency", paramLabel = "F",
      description = "SIG sinusoid periods across the width, >= 1"
          + " (server default: 6).")
  Integer sigFrequency;

  @Option(names = "--wanet-grid-size", paramLabel = "K",
      description = "WaNet control grid side, >= 2"
          + " (server default: 4).")
  Integer wanetGridSize;

  @Option(names = "--wanet-strength", paramLabel = "S",
      description = "WaNet warping strength, in [0, 10]"
          + " (server default: 0.5).")
  Double wanetStrength;

  @Option(names = "--wanet-cross-ratio", paramLabel = "RATIO",
      description = "WaNet noise-mode samples (true label kept) per poisoned sample, in [0, 10]"
          + " (server default: 2).")
  Double wanetCrossRatio;

  @Option(names = "--cl-epsilon", paramLabel = "LEVELS",
      description = "CL: L-inf bound of the adversarial perturbation in pixel levels of 255, in (0, 255]"
          + " (server default: 8 for colour images, 16 for grey).")
  Double clEpsilon;

  @Option(names = "--cl-step-size", paramLabel = "LEVELS",
      description = "CL: PGD step in pixel levels of 255, in (0, 255]"
          + " (server default: 1.5).")
  Double clStepSize;

  @Option(names = "--cl-steps", paramLabel = "N",
      description = "CL: PGD steps, in [1, 1000]"
          + " (server default: 100).")
  Integer clSteps;

  @Option(names = "--cl-surrogate-epochs", paramLabel = "N",
      description = "CL: epochs the surrogate CNN trains on the clean training set, in [1, 50]"
          + " (server default: 2).")
  Integer clSurrogateEpochs;

  @Option(names = "--cl-all-corners", negatable = true,
      description = "CL: the patch at all four corners, as the CL paper; negated, at --patch-corner alone"
          + " (server default: on).")
  Boolean clAllCorners;

  @Option(names = "--dynamic-generator-epochs", paramLabel = "N",
      description = "Dynamic: epochs the pattern generator trains with a small CNN on the clean training set,"
          + " in [1, 50] (server default: 2).")
  Integer dynamicGeneratorEpochs;

  @Option(names = "--dynamic-mask-epochs", paramLabel = "N",
      description = "Dynamic: epochs the mask generator trains alone first, in [0, 50]"
          + " (server default: 1).")
  Integer dynamicMaskEpochs;

  @Option(names = "--dynamic-cross-ratio", paramLabel = "RATIO",
      description = "Dynamic: cross-mode samples (another image's trigger, true label kept) per poisoned"
          + " sample, in [0, 10] (server default: 1).")
  Double dynamicCrossRatio;

  @Option(names = "--dynamic-mask-density", paramLabel = "SHARE",
      description = "Dynamic: the mean mask value the mask generator may reach, in (0, 1]"
          + " (server default: 0.032).")
  Double dynamicMaskDensity;

  @Option(names = "--model", paramLabel = "ARCH", converter = ChoiceConverter.ModelChoice.class,
      description = "Network: small-cnn, wrn-16-1, resnet-18 or resnet-34"
          + " (server default: small-cnn).")
  ModelArch model;

  @Option(names = "--defense", paramLabel = "abl|none|ft|fp|nad|mcr",
      converter = ChoiceConverter.DefenseChoice.class,
      description = "ABL; none: plain training, the undefended baseline; ft: plain training, then"
          + " fine-tuning on a trusted clean subset; fp: fine-pruning, plain training, pruning the last conv"
          + " stage's channels least active on the clean subset, then fine-tuning; nad: neural attention"
          + " distillation, plain training, a teacher fine-tuned on the clean subset, then the model"
          + " fine-tuned there matching the teacher's attention maps; mcr: mode connectivity repair, plain"
          + " training, two endpoints fine-tuned on the clean subset, a curve between them trained there, and"
          + " the model set to a point on it (server default: abl).")
  Defense defense;

  /** The clean subset's size: a count or a fraction, not both. */
  static final class CleanDataSize {
    @Option(names = {"--clean-count", "--clean-data-count"}, paramLabel = "N",
        description = "ft/fp/nad/mcr: images in the trusted clean subset, drawn from the training images the attack"
            + " left untouched (server default: 5% of the training set).")
    Integer count;

    @Option(names = {"--clean-fraction", "--clean-data-fraction"}, paramLabel = "FRACTION",
        description = "ft/fp/nad/mcr: the clean subset as a share of the training set, in (0, 1]"
            + " (server default: 0.05).")
    Double fraction;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  CleanDataSize cleanDataSize;

  @Option(names = {"--finetune-epochs", "--fine-tuning-epochs"}, paramLabel = "N",
      description = "ft/fp/nad/mcr: epochs of fine-tuning on the clean subset after --epochs (nad: the"
          + " distilled model's, after the teacher's; mcr: each endpoint's), in [1, 1000]"
          + " (server default: 10).")
  Integer finetuneEpochs;

  @Option(names = {"--finetune-lr", "--fine-tuning-learning-rate"}, paramLabel = "LR",
      description = "ft/fp/nad/mcr: the constant fine-tuning learning rate, in (0, 10]"
          + " (server default: a tenth of --lr).")
  Double finetuneLearningRate;

  @Option(names = {"--prune-max-accuracy-drop", "--max-accuracy-drop"}, paramLabel = "DROP",
      description = "fp: stop pruning before the clean subset's accuracy falls more than this, in [0, 1]"
          + " (server default: 0.04).")
  Double pruneMaxAccuracyDrop;

  @Option(names = {"--prune-max-ratio", "--max-prune-ratio"}, paramLabel = "RATIO",
      description = "fp: the most of the last conv stage's channels pruned, in [0, 1)"
          + " (server default: 0.9).")
  Double pruneMaxRatio;

  @Option(names = "--nad-teacher-epochs", paramLabel = "N",
      description = "nad: epochs of fine-tuning the teacher on the clean subset, in [1, 1000]"
          + " (server default: 5).")
  Integer nadTeacherEpochs;

  @Option(names = "--nad-beta", paramLabel = "BETA",
      description = "nad: the attention distillation term's weight beside the cross-entropy, in [0, 1e6]"
          + " (server default: 10).")
  Double nadBeta;

  @Option(names = "--nad-layers", paramLabel = "NAME[,NAME...]", split = ",",
      description = "nad: the layers distilled, by the model's tap names: small-cnn conv1, conv2,"
          + " last_conv_stage; wrn-16-1 stem, group1, group2, group3, last_conv_stage; resnet-18/34 stem,"
          + " stage1 to stage4, last_conv_stage (server default: the last conv stage and the stage before it,"
          + " conv1, group2 or stage3).")
  List<String> nadLayers;

  @Option(names = "--mcr-curve-epochs", paramLabel = "N",
      description = "mcr: epochs of training the curve between the two endpoints on the clean subset, after"
          + " theirs, in [1, 1000] (server default: 10).")
  Integer mcrCurveEpochs;

  @Option(names = "--mcr-t", paramLabel = "T",
      description = "mcr: the point of the curve the model ends at, in [0, 1]; 0 and 1 are the endpoints"
          + " (server default: 0.4).")
  Double mcrT;

  @Option(names = "--epochs", paramLabel = "T",
      description = "Total epochs (isolation + unlearning)"
          + " (server default: 10).")
  Integer epochs;

  @Option(names = "--isolation-epochs", paramLabel = "T_TE",
      description = "Epochs of isolation training before ranking, in [1, epochs)"
          + " (server default: 5).")
  Integer isolationEpochs;

  @Option(names = "--isolation-ratio", paramLabel = "FRACTION",
      description = "Share of the training set isolated, in (0, 1)"
          + " (server default: 0.01).")
  Double isolationRatio;

  @Option(names = {"--loss", "--isolation-loss"}, paramLabel = "lga|flooding",
      converter = ChoiceConverter.LossChoice.class,
      description = "Isolation loss"
          + " (server default: lga).")
  IsolationLoss isolationLoss;

  @Option(names = "--loss-reduction", paramLabel = "per-sample|batch-mean",
      converter = ChoiceConverter.ReductionChoice.class,
      description = "Apply the isolation loss per sample (paper) or to the batch mean (official code)"
          + " (server default: batch-mean).")
  LossReduction lossReduction;

  @Option(names = {"--gamma", "--lga-gamma"}, paramLabel = "GAMMA",
      description = "LGA threshold, > 0"
          + " (server default: 0.5).")
  Double lgaGamma;

  @Option(names = "--flooding-level", paramLabel = "B",
      description = "Flooding level b, > 0"
          + " (server default: 0.5).")
  Double floodingLevel;

  @Option(names = "--ranking", paramLabel = "global|per-class",
      converter = ChoiceConverter.RankingChoice.class,
      description = "Isolate the lowest losses overall (paper) or relative to each class's median"
          + " (server default: per-class).")
  Ranking ranking;

  @Option(names = "--isolation-signal", paramLabel = "SIGNAL",
      converter = ChoiceConverter.IsolationSignalChoice.class,
      description = "What isolation ranks by: loss (paper), loss-drop (mean training loss over the"
          + " isolation epochs), transform-sensitivity (activations' move under a flip and a shift),"
          + " spectral (spectral signatures per label) or combined (their mean rank)"
          + " (server default: loss).")
  IsolationSignal isolationSignal;

  @Option(names = "--suspect-treatment", paramLabel = "TREATMENT",
      converter = ChoiceConverter.SuspectTreatmentChoice.class,
      description = "What unlearning does with the backdoor check's suspects: drop (leave training) or"
          + " pseudo-label (train under the model's own confident labels from the second unlearning epoch)"
          + " (server default: pseudo-label).")
  SuspectTreatment suspectTreatment;

  @Option(names = {"--lr", "--learning-rate"}, paramLabel = "LR",
      description = "SGD learning rate, > 0"
          + " (server default: 0.01).")
  Double learningRate;

  @Option(names = "--momentum", paramLabel = "M",
      description = "SGD momentum, in [0, 1)"
          + " (server default: 0.9).")
  Double momentum;

  @Option(names = "--weight-decay", paramLabel = "WD",
      description = "L2 weight decay, >= 0"
          + " (server default: 0.0001).")
  Double weightDecay;

  @Option(names = "--unlearning-mode", paramLabel = "MODE",
      converter = ChoiceConverter.UnlearningModeChoice.class,
      description = "gga (paper: descent on the kept set and ascent on the isolated set, jointly)"
          + " or finetune-then-ascent (official code: fine-tune, then end with ascent epochs)"
          + " (server default: gga).")
  UnlearningMode unlearningMode;

  @Option(names = {"--unlearning-lr", "--unlearning-learning-rate"}, paramLabel = "LR",
      description = "Learning rate of GGA unlearning or of the ascent epochs, > 0"
          + " (server default: --lr for gga,"
          + " 0.0005 for finetune-then-ascent).")
  Double unlearningLearningRate;

  @Option(names = "--ascent-epochs", paramLabel = "N",
      description = "finetune-then-ascent: epochs of pure ascent at the end"
          + " (server default: 1).")
  Integer ascentEpochs;

  @Option(names = "--unlearning-weight", paramLabel = "W",
      description = "Weight of the ascent term when unlearning"
          + " (server default: 1).")
  Double unlearningWeight;

  @Option(names = "--suspect-filtering", negatable = true,
      description = "After the first unlearning epoch, drop from the kept set the poisons the"
          + " ranking missed: samples of labels over-represented in the isolated set that still"
          + " cost more than ln(classes)"
          + " (server default: off).")
  Boolean suspectFiltering;

  @Option(names = "--isolation-expansion", negatable = true,
      description = "At the turning epoch, also isolate the samples of the isolated set's"
          + " over-represented label whose activations cluster with the isolated ones"
          + " (server default: on).")
  Boolean isolationExpansion;

  @Option(names = "--isolate-early", negatable = true,
      description = "Check for a backdoor as soon as the ranking settles on one label, rather than only"
          + " at --isolation-epochs; with the backdoor check, one confirmed early is followed to"
          + " --isolation-epochs, without it the session turns at once (server default: on).")
  Boolean isolateEarly;

  @Option(names = "--trigger-probe", negatable = true,
      description = "With the backdoor check, score the target label's images for the confirmed"
          + " set's trigger by their pixels: ascend the clear ones, leave the doubtful ones out of"
          + " training, and keep out of the ascent any confirmed image whose pixels or content do"
          + " not back it (server default: on).")
  Boolean triggerProbe;

  @Option(names = "--retrain-unconfirmed", negatable = true,
      description = "With the backdoor check, when it confirms nothing: start again from the initial"
          + " weights and train plainly for --epochs epochs after the isolation ones, ending exactly as"
          + " --defense none would; off, train on from the isolation model (server default: on).")
  Boolean retrainUnconfirmed;

  @Option(names = "--final-decay-epochs", paramLabel = "N",
      description = "The last N epochs of plain training, GGA or fine-tuning run at a tenth of their"
          + " learning rate"
          + " (server default: 2).")
  Integer finalDecayEpochs;

  @Option(names = "--augmentation", negatable = true,
      description = "Train-time augmentation chosen per dataset."
          + ""
          + " (server default: on).")
  Boolean augmentation;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Mini-batch size, in [1, 4096]"
          + " (server default: 128).")
  Integer batchSize;

  @Option(names = "--step-report-interval", paramLabel = "N",
      description = "One step event every N steps"
          + " (server default: 10).")
  Integer stepReportInterval;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed for poisoning, initialisation and shuffling"
          + " (server default: 0).")
  Long seed;

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (server default: the server's --device). On a server with"
          + " worker slots: the slots the session may take (gpu: any GPU slot; default any slot).")
  String device;

  SessionConfig toConfig() {
    SessionConfig.Builder config = SessionConfig.newBuilder();
    if (name != null) {
      config.setDisplayName(name);
    }
    if (device != null) {
      config.setDevice(device);
    }
    if (seed != null) {
      config.setSeed(seed);
    }

    DatasetSpec.Builder data = config.getDatasetBuilder();
    if (dataset != null) {
      data.setName(dataset);
    }
    if (trainLimit != null) {
      data.setTrainLimit(trainLimit);
    }
    if (testLimit != null) {
      data.setTestLimit(testLimit);
    }

    if (model != null) {
      config.getModelBuilder().setArch(model);
    }

    AttackSpec attackSpec = attackSpec();
    if (!attackSpec.equals(AttackSpec.getDefaultInstance())) {
      config.setAttack(attackSpec);
    }
    AblConfig abl = ablConfig();
    if (!abl.equals(AblConfig.getDefaultInstance())) {
      config.setAbl(abl);
    }
    if (cleanDataSize != null) {
      CleanData.Builder clean = config.getCleanDataBuilder();
      if (cleanDataSize.count != null) {
        clean.setCount(cleanDataSize.count);
      } else {
        clean.setFraction(cleanDataSize.fraction);
      }
    }
    if (finetuneEpochs != null) {
      config.getFineTuningBuilder().setEpochs(finetuneEpochs);
    }
    if (finetuneLearningRate != null) {
      config.getFineTuningBuilder().setLearningRate(finetuneLearningRate);
    }
    if (pruneMaxAccuracyDrop != null) {
      config.getFinePruningBuilder().setMaxAccuracyDrop(pruneMaxAccuracyDrop);
    }
    if (pruneMaxRatio != null) {
      config.getFinePruningBuilder().setMaxPruneRatio(pruneMaxRatio);
    }
    if (nadTeacherEpochs != null) {
      config.getNadBuilder().setTeacherEpochs(nadTeacherEpochs);
    }
    if (nadBeta != null) {
      config.getNadBuilder().setBeta(nadBeta);
    }
    if (nadLayers != null) {
      config.getNadBuilder().addAllLayers(nadLayers);
    }
    if (mcrCurveEpochs != null) {
      config.getMcrBuilder().setCurveEpochs(mcrCurveEpochs);
    }
    if (mcrT != null) {
      config.getMcrBuilder().setT(mcrT);
    }
    return config.build();
  }

  private AttackSpec attackSpec() {
    AttackSpec.Builder spec = AttackSpec.newBuilder();
    if (attack != null) {
      spec.setKind(attack);
    }
    if (targetLabel != null) {
      spec.setTargetLabel(targetLabel);
    }
    if (labelMode != null) {
      spec.setLabelMode(labelMode);
    }
    if (poisonRate != null) {
      spec.setPoisonRate(poisonRate);
    }
    if (patchSizePx != null) {
      spec.setPatchSizePx(patchSizePx);
    }
    if (patchCorner != null) {
      spec.setPatchCorner(patchCorner);
    }
    if (patchMarginPx != null) {
      spec.setPatchMarginPx(patchMarginPx);
    }
    if (blendPattern != null) {
      spec.setBlendPattern(blendPattern);
    }
    if (blendSeed != null) {
      spec.setBlendSeed(blendSeed);
    }
    if (blendAlpha != null) {
      spec.setBlendAlpha(blendAlpha);
    }
    if (sigAmplitude != null) {
      spec.setSigAmplitude(sigAmplitude);
    }
    if (sigFrequency != null) {
      spec.setSigFrequency(sigFrequency);
    }
    if (wanetGridSize != null) {
      spec.setWanetGridSize(wanetGridSize);
    }
    if (wanetStrength != null) {
      spec.setWanetStrength(wanetStrength);
    }
    if (wanetCrossRatio != null) {
      spec.setWanetCrossRatio(wanetCrossRatio);
    }
    if (clEpsilon != null) {
      spec.setClEpsilon(clEpsilon);
    }
    if (clStepSize != null) {
      spec.setClStepSize(clStepSize);
    }
    if (clSteps != null) {
      spec.setClSteps(clSteps);
    }
    if (clSurrogateEpochs != null) {
      spec.setClSurrogateEpochs(clSurrogateEpochs);
    }
    if (clAllCorners != null) {
      spec.setClAllCorners(clAllCorners);
    }
    if (dynamicGeneratorEpochs != null) {
      spec.setDynamicGeneratorEpochs(dynamicGeneratorEpochs);
    }
    if (dynamicMaskEpochs != null) {
      spec.setDynamicMaskEpochs(dynamicMaskEpochs);
    }
    if (dynamicCrossRatio != null) {
      spec.setDynamicCrossRatio(dynamicCrossRatio);
    }
    if (dynamicMaskDensity != null) {
      spec.setDynamicMaskDensity(dynamicMaskDensity);
    }
    return spec.build();
  }

  private AblConfig ablConfig() {
    AblConfig.Builder abl = AblConfig.newBuilder();
    if (defense != null) {
      abl.setDefense(defense);
    }
    if (epochs != null) {
      abl.setEpochs(epochs);
    }
    if (isolationEpochs != null) {
      abl.setIsolationEpochs(isolationEpochs);
    }
    if (isolationRatio != null) {
      abl.setIsolationRatio(isolationRatio);
    }
    if (isolationLoss != null) {
      abl.setIsolationLoss(isolationLoss);
    }
    if (lossReduction != null) {
      abl.setLossReduction(lossReduction);
    }
    if (lgaGamma != null) {
      abl.setLgaGamma(lgaGamma);
    }
    if (floodingLevel != null) {
      abl.setFloodingLevel(floodingLevel);
    }
    if (ranking != null) {
      abl.setRanking(ranking);
    }
    if (isolationSignal != null) {
      abl.setIsolationSignal(isolationSignal);
    }
    if (suspectTreatment != null) {
      abl.setSuspectTreatment(suspectTreatment);
    }
    if (learningRate != null) {
      abl.setLearningRate(learningRate);
    }
    if (momentum != null) {
      abl.setMomentum(momentum);
    }
    if (weightDecay != null) {
      abl.setWeightDecay(weightDecay);
    }
    if (unlearningMode != null) {
      abl.setUnlearningMode(unlearningMode);
    }
    if (unlearningLearningRate != null) {
      abl.setUnlearningLearningRate(unlearningLearningRate);
    }
    if (ascentEpochs != null) {
      abl.setAscentEpochs(ascentEpochs);
    }
    if (unlearningWeight != null) {
      abl.setUnlearningWeight(unlearningWeight);
    }
    if (suspectFiltering != null) {
      abl.setSuspectFiltering(suspectFiltering);
    }
    if (augmentation != null) {
      abl.setAugmentation(augmentation);
    }
    if (isolationExpansion != null) {
      abl.setIsolationExpansion(isolationExpansion);
    }
    if (isolateEarly != null) {
      abl.setIsolateEarly(isolateEarly);
    }
    if (triggerProbe != null) {
      abl.setTriggerProbe(triggerProbe);
    }
    if (retrainUnconfirmed != null) {
      abl.setRetrainUnconfirmed(retrainUnconfirmed);
    }
    if (finalDecayEpochs != null) {
      abl.setFinalDecayEpochs(finalDecayEpochs);
    }
    if (batchSize != null) {
      abl.setBatchSize(batchSize);
    }
    if (stepReportInterval != null) {
      abl.setStepReportInterval(stepReportInterval);
    }
    return abl.build();
  }
}
