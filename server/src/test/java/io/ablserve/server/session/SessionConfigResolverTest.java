package io.ablserve.server.session;

import static io.ablserve.v1.ModelArch.MODEL_ARCH_RESNET_18;
import static io.ablserve.v1.ModelArch.MODEL_ARCH_RESNET_34;
import static io.ablserve.v1.ModelArch.MODEL_ARCH_WRN_16_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetInfo;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.FineTuning;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.FinePruning;
import io.ablserve.v1.ModeConnectivity;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.NeuralAttentionDistillation;
import io.ablserve.v1.FineTuning.Builder;
import io.ablserve.v1.SessionConfig;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The clean subset, the fine-tuning stage and NAD's options of the baselines, as the resolver reads them. */
class SessionConfigResolverTest {
  private final SessionConfigResolver resolver =
      new SessionConfigResolver(
          new DeviceResolver(() -> 0), "cpu", e -> {}, name -> new DatasetInfo(name, 1, 28, 28, 10));

  private static SessionConfig config(io.ablserve.v1.Defense defense, UnaryOperator<SessionConfig.Builder> edit) {
    return edit.apply(
            SessionConfig.newBuilder()
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist"))
                .setAbl(AblConfig.newBuilder().setDefense(defense).setLearningRate(0.02)))
        .build();
  }

  @Test
  void defaults_areWhatAnEmptyRequestResolvesTo_withEveryBaselineSection() throws Exception {
    SessionConfig defaults = resolver.defaults();

    SessionConfig empty = resolver.resolve(SessionConfig.getDefaultInstance()).config();
    assertThat(defaults.toBuilder().clearCleanData().clearFineTuning().clearFinePruning().clearNad().clearMcr()
            .build())
        .isEqualTo(empty);
    assertThat(defaults.getDataset().getName()).isEqualTo(SessionConfigResolver.DEFAULT_DATASET);
    assertThat(defaults.getDevice()).isEqualTo("cpu");
    assertThat(defaults.getAbl().getEpochs()).isEqualTo(io.ablserve.server.train.AblConfig.DEFAULTS.epochs());
    for (io.ablserve.v1.Defense defense : new io.ablserve.v1.Defense[] {
        io.ablserve.v1.Defense.DEFENSE_FP, io.ablserve.v1.Defense.DEFENSE_NAD, io.ablserve.v1.Defense.DEFENSE_MCR}) {
      SessionConfig echo = resolver.resolve(SessionConfig.newBuilder()
          .setAbl(AblConfig.newBuilder().setDefense(defense)).build()).config();
      assertThat(echo.getCleanData()).as(defense.name()).isEqualTo(defaults.getCleanData());
      assertThat(echo.getFineTuning()).as(defense.name()).isEqualTo(defaults.getFineTuning());
      if (echo.hasFinePruning()) {
        assertThat(echo.getFinePruning()).isEqualTo(defaults.getFinePruning());
      }
      if (echo.hasNad()) {
        assertThat(echo.getNad()).isEqualTo(defaults.getNad());
      }
      if (echo.hasMcr()) {
        assertThat(echo.getMcr()).isEqualTo(defaults.getMcr());
      }
    }
    assertThat(defaults.hasFinePruning() && defaults.hasNad() && defaults.hasMcr()).isTrue();
  }

  @Test
  void device_onAServerWhoseSlotsDecide_picksAmongTheSlots_evenGpusThisProcessCannotSee() throws Exception {
    // The engine here sees no GPU (a control plane whose GPUs are its workers' or its Jobs').
    SessionConfigResolver slots =
        new SessionConfigResolver(
            new DeviceResolver(() -> 0), "cpu",
            List.of(new SlotSpec("cpu-0", "cpu", 1), new SlotSpec("gpu-1", "gpu:1", 0)),
            e -> {}, name -> new DatasetInfo(name, 1, 28, 28, 10));

    ResolvedSession any = slots.resolve(SessionConfig.getDefaultInstance());
    assertThat(any.device()).isEmpty(); // the slot decides
    assertThat(any.config().getDevice()).isEmpty();
    assertThat(slots.defaults().getDevice()).isEmpty();
    assertThat(slots.resolve(SessionConfig.newBuilder().setDevice(" GPU ").build()).config().getDevice())
        .isEqualTo("gpu");
    assertThat(slots.resolve(SessionConfig.newBuilder().setDevice("gpu:01").build()).config().getDevice())
        .isEqualTo("gpu:1");
    assertThat(slots.resolve(SessionConfig.newBuilder().setDevice("cpu").build()).config().getDevice())
        .isEqualTo("cpu");

    assertThatThrownBy(() -> slots.resolve(SessionConfig.newBuilder().setDevice("gpu:0").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device 'gpu:0' matches none of this server's slots (cpu-0 cpu, gpu-1 gpu:1)");
    assertThatThrownBy(() -> slots.resolve(SessionConfig.newBuilder().setDevice("tpu").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device must be empty (any slot), 'cpu', 'gpu' or 'gpu:N'");
  }

  @Test
  void device_onAnInlineServer_isTheEnginesDevice_theServerDefaultWhenUnset() throws Exception {
    ResolvedSession unset = resolver.resolve(SessionConfig.getDefaultInstance());

    assertThat(unset.device()).contains(ai.djl.Device.cpu());
    assertThat(unset.config().getDevice()).isEqualTo("cpu");
    assertThatThrownBy(() -> resolver.resolve(SessionConfig.newBuilder().setDevice("gpu").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a GPU but the engine sees none");
  }

  @Test
  void retrainUnconfirmed_isOnUnlessTurnedOff_andEchoed() throws Exception {
    assertThat(resolver.resolve(SessionConfig.getDefaultInstance()).experiment().abl().retrainUnconfirmed())
        .isTrue();
    ResolvedSession off =
        resolver.resolve(
            SessionConfig.newBuilder()
                .setAbl(io.ablserve.v1.AblConfig.newBuilder().setRetrainUnconfirmed(false))
                .build());

    assertThat(off.experiment().abl().retrainUnconfirmed()).isFalse();
    assertThat(off.config().getAbl().hasRetrainUnconfirmed()).isTrue();
    assertThat(off.config().getAbl().getRetrainUnconfirmed()).isFalse();
  }

  @Test
  void fineTuning_unsetFieldsResolveToTheDefaults_andAreEchoed() throws Exception {
    ResolvedSession resolved = resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_FP, b -> b));

    assertThat(resolved.experiment().abl().defense()).isEqualTo(Defense.FP);
    assertThat(resolved.experiment().cleanData()).isEqualTo(CleanData.DEFAULTS);
    FineTuning ft = resolved.experiment().fineTuning();
    assertThat(ft.epochs()).isEqualTo(10);
    assertThat(ft.learningRate()).isCloseTo(0.002, offset(1e-12)); // lr / 10
    assertThat(ft.maxAccuracyDrop()).isEqualTo(0.04);
    assertThat(ft.maxPruneRatio()).isEqualTo(0.9);
    SessionConfig echo = resolved.config();
    assertThat(echo.getAbl().getDefense()).isEqualTo(io.ablserve.v1.Defense.DEFENSE_FP);
    assertThat(echo.getCleanData().getDataset()).isEmpty();
    assertThat(echo.getCleanData().getFraction()).isEqualTo(0.05);
    assertThat(echo.getFineTuning().getEpochs()).isEqualTo(10);
    assertThat(echo.getFineTuning().getLearningRate()).isCloseTo(0.002, offset(1e-12));
    assertThat(echo.getFinePruning().getMaxAccuracyDrop()).isEqualTo(0.04);
    assertThat(echo.getFinePruning().getMaxPruneRatio()).isEqualTo(0.9);
    // The echo resolves to itself.
    assertThat(resolver.resolve(echo).config()).isEqualTo(echo);
  }

  @Test
  void fineTuning_takesTheGivenValues_andFtEchoesNoPruning() throws Exception {
    ResolvedSession resolved =
        resolver.resolve(
            config(
                io.ablserve.v1.Defense.DEFENSE_FT,
                b -> b.setCleanData(io.ablserve.v1.CleanData.newBuilder().setDataset("fashion-mnist").setCount(300))
                    .setFineTuning(io.ablserve.v1.FineTuning.newBuilder().setEpochs(3).setLearningRate(0.05))));

    assertThat(resolved.experiment().cleanData()).isEqualTo(new CleanData("", 300, 0));
    assertThat(resolved.experiment().fineTuning().epochs()).isEqualTo(3);
    assertThat(resolved.experiment().fineTuning().learningRate()).isEqualTo(0.05);
    assertThat(resolved.config().getCleanData().getCount()).isEqualTo(300);
    assertThat(resolved.config().getCleanData().getDataset()).isEmpty();
    assertThat(resolved.config().hasFinePruning()).isFalse();
  }

  @Test
  void otherDefenses_echoNoCleanData_andRefuseIt() throws Exception {
    SessionConfig echo = resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_ABL, b -> b)).config();
    assertThat(echo.hasCleanData()).isFalse();
    assertThat(echo.hasFineTuning()).isFalse();

    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_NONE,
            b -> b.setCleanData(io.ablserve.v1.CleanData.newBuilder().setCount(10))),
        "clean_data is used only by DEFENSE_FT, DEFENSE_FP, DEFENSE_NAD and DEFENSE_MCR; unset it for abl.defense"
            + " DEFENSE_NONE");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_ABL,
            b -> b.setFineTuning(io.ablserve.v1.FineTuning.newBuilder().setEpochs(2))),
        "fine_tuning is used only by DEFENSE_FT, DEFENSE_FP, DEFENSE_NAD and DEFENSE_MCR; unset it for abl.defense"
            + " DEFENSE_ABL");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_FT,
            b -> b.setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(0.5))),
        "fine_pruning is used only by DEFENSE_FP; unset it for abl.defense DEFENSE_FT");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_FP, b -> b.setNad(NeuralAttentionDistillation.newBuilder().setBeta(1))),
        "nad is used only by DEFENSE_NAD; unset it for abl.defense DEFENSE_FP");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_NAD,
            b -> b.setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(0.5))),
        "fine_pruning is used only by DEFENSE_FP; unset it for abl.defense DEFENSE_NAD");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_NAD, b -> b.setMcr(ModeConnectivity.newBuilder().setT(0.5))),
        "mcr is used only by DEFENSE_MCR; unset it for abl.defense DEFENSE_NAD");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_ABL, b -> b.setMcr(ModeConnectivity.getDefaultInstance())),
        "mcr is used only by DEFENSE_MCR; unset it for abl.defense DEFENSE_ABL");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_MCR, b -> b.setNad(NeuralAttentionDistillation.newBuilder().setBeta(1))),
        "nad is used only by DEFENSE_NAD; unset it for abl.defense DEFENSE_MCR");
  }

  @Test
  void mcr_unsetFieldsResolveToTheDefaults_givenOnesAreKept_andBothAreEchoed() throws Exception {
    ResolvedSession resolved = resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_MCR, b -> b));

    assertThat(resolved.experiment().abl().defense()).isEqualTo(Defense.MCR);
    assertThat(resolved.experiment().cleanData()).isEqualTo(CleanData.DEFAULTS);
    FineTuning ft = resolved.experiment().fineTuning();
    assertThat(ft.epochs()).isEqualTo(10);
    assertThat(ft.curveEpochs()).isEqualTo(10);
    assertThat(ft.curvePoint()).isEqualTo(0.4);
    SessionConfig echo = resolved.config();
    assertThat(echo.getAbl().getDefense()).isEqualTo(io.ablserve.v1.Defense.DEFENSE_MCR);
    assertThat(echo.getCleanData().getFraction()).isEqualTo(0.05);
    assertThat(echo.getFineTuning().getEpochs()).isEqualTo(10);
    assertThat(echo.getFineTuning().getLearningRate()).isCloseTo(0.002, offset(1e-12));
    assertThat(echo.getMcr()).isEqualTo(ModeConnectivity.newBuilder().setCurveEpochs(10).setT(0.4).build());
    assertThat(echo.hasNad()).isFalse();
    assertThat(echo.hasFinePruning()).isFalse();
    assertThat(resolver.resolve(echo).config()).isEqualTo(echo);

    SessionConfig given =
        resolver.resolve(
            config(io.ablserve.v1.Defense.DEFENSE_MCR,
                b -> b.setMcr(ModeConnectivity.newBuilder().setCurveEpochs(3).setT(0)))).config();
    assertThat(given.getMcr()).isEqualTo(ModeConnectivity.newBuilder().setCurveEpochs(3).setT(0).build());
    SessionConfig pointOnly =
        resolver.resolve(
            config(io.ablserve.v1.Defense.DEFENSE_MCR, b -> b.setMcr(ModeConnectivity.newBuilder().setT(1))))
            .config();
    assertThat(pointOnly.getMcr()).isEqualTo(ModeConnectivity.newBuilder().setCurveEpochs(10).setT(1).build());
    // Other defences echo no curve.
    assertThat(resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_FT, b -> b)).config().hasMcr()).isFalse();
  }

  @Test
  void mcr_refusesValuesOutOfRange() {
    assertRefused(mcr(m -> m.setCurveEpochs(0)), "mcr.curve_epochs must be in [1, 1000], got 0");
    assertRefused(mcr(m -> m.setCurveEpochs(1001)), "mcr.curve_epochs must be in [1, 1000], got 1001");
    assertRefused(mcr(m -> m.setT(-0.1)), "mcr.t must be in [0, 1], got -0.1");
    assertRefused(mcr(m -> m.setT(1.5)), "mcr.t must be in [0, 1], got 1.5");
    assertRefused(mcr(m -> m.setT(Double.NaN)), "mcr.t must be in [0, 1], got NaN");
  }

  private static SessionConfig mcr(UnaryOperator<ModeConnectivity.Builder> edit) {
    return config(io.ablserve.v1.Defense.DEFENSE_MCR, b -> b.setMcr(edit.apply(ModeConnectivity.newBuilder())));
  }

  @Test
  void nad_unsetFieldsResolveToTheDefaults_givenOnesAreKept_andBothAreEchoed() throws Exception {
    ResolvedSession resolved = resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_NAD, b -> b));

    assertThat(resolved.experiment().abl().defense()).isEqualTo(Defense.NAD);
    assertThat(resolved.experiment().cleanData()).isEqualTo(CleanData.DEFAULTS);
    FineTuning ft = resolved.experiment().fineTuning();
    assertThat(ft.epochs()).isEqualTo(10);
    assertThat(ft.teacherEpochs()).isEqualTo(5);
    assertThat(ft.distillationWeight()).isEqualTo(FineTuning.DEFAULTS.distillationWeight());
    SessionConfig echo = resolved.config();
    assertThat(echo.getAbl().getDefense()).isEqualTo(io.ablserve.v1.Defense.DEFENSE_NAD);
    assertThat(echo.getCleanData().getFraction()).isEqualTo(0.05);
    assertThat(echo.getFineTuning().getLearningRate()).isCloseTo(0.002, offset(1e-12));
    assertThat(echo.getNad().getTeacherEpochs()).isEqualTo(5);
    assertThat(echo.getNad().getBeta()).isEqualTo(FineTuning.DEFAULTS.distillationWeight());
    assertThat(echo.hasFinePruning()).isFalse();
    assertThat(resolver.resolve(echo).config()).isEqualTo(echo);

    SessionConfig given =
        resolver.resolve(
            config(io.ablserve.v1.Defense.DEFENSE_NAD,
                b -> b.setNad(NeuralAttentionDistillation.newBuilder().setTeacherEpochs(2).setBeta(7.5))))
            .config();
    assertThat(given.getNad().getTeacherEpochs()).isEqualTo(2);
    assertThat(given.getNad().getBeta()).isEqualTo(7.5);
    assertThat(given.getFineTuning().getEpochs()).isEqualTo(10);
  }

  @Test
  void nad_refusesValuesOutOfRange() {
    assertRefused(nad(n -> n.setTeacherEpochs(0)), "nad.teacher_epochs must be in [1, 1000], got 0");
    assertRefused(nad(n -> n.setTeacherEpochs(1001)), "nad.teacher_epochs must be in [1, 1000], got 1001");
    assertRefused(nad(n -> n.setBeta(-1)), "nad.beta must be in [0, 1e6], got -1.0");
    assertRefused(nad(n -> n.setBeta(Double.NaN)), "nad.beta must be in [0, 1e6], got NaN");
  }

  @Test
  void nad_layersDefaultToTheModelsOwn_givenOnesAreKept_andBothAreEchoed() throws Exception {
    ResolvedSession small = resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_NAD, b -> b));
    assertThat(small.experiment().fineTuning().distilledLayers()).containsExactly("conv1", "last_conv_stage");
    assertThat(small.config().getNad().getLayersList()).containsExactly("conv1", "last_conv_stage");
    assertThat(resolver.defaults().getNad().getLayersList()).containsExactly("conv1", "last_conv_stage");

    SessionConfig wrn =
        resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_NAD, b -> b.setModel(arch(MODEL_ARCH_WRN_16_1))))
            .config();
    assertThat(wrn.getNad().getLayersList()).containsExactly("group2", "last_conv_stage");
    assertThat(resolver.resolve(wrn).config()).isEqualTo(wrn);
    SessionConfig resNet =
        resolver.resolve(config(io.ablserve.v1.Defense.DEFENSE_NAD, b -> b.setModel(arch(MODEL_ARCH_RESNET_34))))
            .config();
    assertThat(resNet.getNad().getLayersList()).containsExactly("stage3", "last_conv_stage");

    ResolvedSession given =
        resolver.resolve(
            config(io.ablserve.v1.Defense.DEFENSE_NAD,
                b -> b.setModel(arch(MODEL_ARCH_RESNET_18))
                    .setNad(NeuralAttentionDistillation.newBuilder().addLayers("stage4").addLayers("stem"))));
    assertThat(given.experiment().fineTuning().distilledLayers()).containsExactly("stage4", "stem");
    assertThat(given.config().getNad().getLayersList()).containsExactly("stage4", "stem");
    assertThat(given.config().getNad().getBeta()).isEqualTo(FineTuning.DEFAULTS.distillationWeight());
  }

  @Test
  void nad_refusesLayersTheModelLacks_namingItsTaps() {
    assertRefused(
        nad(n -> n.addLayers("conv1").addLayers("stage3")),
        "nad.layers must name convolutional taps of SMALL_CNN, one of conv1, conv2, last_conv_stage (its taps are"
            + " conv1, conv2, last_conv_stage, penultimate, logits), got 'stage3'");
    assertRefused(nad(n -> n.addLayers("logits")), "got 'logits'");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_NAD,
            b -> b.setModel(arch(MODEL_ARCH_WRN_16_1))
                .setNad(NeuralAttentionDistillation.newBuilder().addLayers("conv1"))),
        "convolutional taps of WRN_16_1, one of stem, group1, group2, group3, last_conv_stage");
    assertRefused(nad(n -> n.addLayers("conv1").addLayers("conv1")), "nad.layers must name each layer once");
    assertRefused(nad(n -> n.addLayers("x".repeat(65))), "nad.layers must have at most 64 characters");
    assertRefused(
        nad(n -> n.addAllLayers(java.util.Collections.nCopies(17, "conv1"))),
        "nad.layers must name at most 16 layers, got 17");
  }

  private static ModelSpec arch(io.ablserve.v1.ModelArch arch) {
    return ModelSpec.newBuilder().setArch(arch).build();
  }

  private static SessionConfig nad(UnaryOperator<NeuralAttentionDistillation.Builder> edit) {
    return config(
        io.ablserve.v1.Defense.DEFENSE_NAD, b -> b.setNad(edit.apply(NeuralAttentionDistillation.newBuilder())));
  }

  @Test
  void cleanData_refusesBadSizesAndOtherDatasets() {
    assertRefused(clean(c -> c.setCount(0)), "clean_data.count must be in [1, 10000000], got 0");
    assertRefused(clean(c -> c.setCount(-5)), "clean_data.count must be in [1, 10000000], got -5");
    assertRefused(clean(c -> c.setFraction(0)), "clean_data.fraction must be in (0, 1], got 0.0");
    assertRefused(clean(c -> c.setFraction(1.5)), "clean_data.fraction must be in (0, 1], got 1.5");
    assertRefused(clean(c -> c.setFraction(Double.NaN)), "clean_data.fraction must be in (0, 1], got NaN");
    assertRefused(
        clean(c -> c.setDataset("cifar10")),
        "clean_data.dataset must be empty or the session's dataset.name 'fashion-mnist'");
    assertRefused(
        clean(c -> c.setDataset("x".repeat(200))), "clean_data.dataset must have at most 128 characters");
  }

  @Test
  void fineTuning_refusesValuesOutOfRange() {
    assertRefused(tuning(f -> f.setEpochs(0)), "fine_tuning.epochs must be in [1, 1000], got 0");
    assertRefused(tuning(f -> f.setLearningRate(-1)), "fine_tuning.learning_rate must be in (0, 10], got -1.0");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_FP,
            b -> b.setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(1))),
        "fine_pruning.max_prune_ratio must be in [0, 1), got 1.0");
    assertRefused(
        config(io.ablserve.v1.Defense.DEFENSE_FP,
            b -> b.setFinePruning(FinePruning.newBuilder().setMaxAccuracyDrop(-0.1))),
        "fine_pruning.max_accuracy_drop must be in [0, 1], got -0.1");
  }

  private static SessionConfig clean(UnaryOperator<io.ablserve.v1.CleanData.Builder> edit) {
    return config(
        io.ablserve.v1.Defense.DEFENSE_FT,
        b -> b.setCleanData(edit.apply(io.ablserve.v1.CleanData.newBuilder())));
  }

  private static SessionConfig tuning(UnaryOperator<Builder> edit) {
    return config(
        io.ablserve.v1.Defense.DEFENSE_FT,
        b -> b.setFineTuning(edit.apply(io.ablserve.v1.FineTuning.newBuilder())));
  }

  private void assertRefused(SessionConfig config, String message) {
    assertThatThrownBy(() -> resolver.resolve(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
