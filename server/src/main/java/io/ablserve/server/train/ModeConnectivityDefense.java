package io.ablserve.server.train;

import ai.djl.nn.Block;
import ai.djl.training.Trainer;

/**
 * {@link Defense#MCR}, mode connectivity repair (Zhao et al., ICLR 2020): plain training for the session's
 * epochs, exactly as {@link Defense#NONE}, gives the backdoored model; two endpoints are fine-tuned from it on
 * the trusted clean subset for {@code fine_tuning.epochs} each, the second in the epochs after the first and
 * so in its own shuffling and augmentation; then the middle point of a {@link BezierCurve} between them is
 * trained on the subset for {@code mcr.curve_epochs}, and the model ends at the curve's point {@code mcr.t},
 * its BatchNorm statistics recomputed on the subset. All at the fine-tuning rate, in {@link
 * Phase#FINETUNING}, numbered on from the training epochs; the endpoints' epochs report the endpoint being
 * fine-tuned, the curve's report the picked point. The model saved and exported is that point.
 *
 * <p>Each endpoint trains in the model's place, so its epochs run through the same loop, evaluation and
 * checkpoints as any other. What the next stage needs waits set aside ({@link SetAside}),
 * where every checkpoint keeps it: the backdoored model while the first endpoint trains, then the first
 * endpoint while the second trains from the backdoored model, then the whole curve (both endpoints and
 * theta) while it trains. A run resumed at any epoch thus goes on as an uninterrupted one; theta's momentum is the
 * optimizer's, saved with it.
 */
public final class ModeConnectivityDefense implements DefenseStrategy {
  @Override
  public TrainingOutcome train(TrainingRun run) {
    PlainTraining.trainPlainly(run);
    FineTuning ft = run.fineTuning();
    Progress progress = run.progress();
    Trainer trainer = run.evaluator().trainer();
    Block network = trainer.getModel().getBlock();
    int first = run.config().epochs();
    int second = first + ft.epochs();
    int curved = second + ft.epochs();
    int last = curved + ft.curveEpochs();
    if (run.nextEpoch() == first) {
      progress.defenseState(SetAside.of(NetworkWeights.encode(network)));
      run.listener().onPhase(Phase.FINETUNING, first);
    }
    run.learningRate(ft.learningRate());
    fineTune(run, first, second);
    if (run.nextEpoch() == second) {
      // The first endpoint is done: it trades places with the backdoored model, which the second starts from.
      NetworkWeights start = NetworkWeights.copyOf(network, trainer.getManager());
      try (start;
          NetworkWeights backdoored =
              NetworkWeights.decode(network, SetAside.in(progress.defenseState()), trainer.getManager())) {
        backdoored.copyInto(network);
        progress.defenseState(SetAside.of(start.encode()));
      }
      run.restartMomentum();
    }
    fineTune(run, second, curved);
    if (run.nextEpoch() < last) {
      try (BezierCurve curve = curve(run, curved)) {
        for (int epoch = Math.max(curved, run.nextEpoch()); epoch < last; epoch++) {
          run.beginEpoch(epoch);
          int[] order = run.shuffled(run.clean());
          curve.beginEpoch(run.nextSeed());
          run.run(Phase.FINETUNING, epoch, order, curve);
          progress.defenseState(SetAside.of(curve.encode()));
          run.endEpoch(Phase.FINETUNING);
        }
        // Theta's momentum buffers live on the curve's scope, which closes next.
        run.restartMomentum();
      }
    }
    return run.outcome();
  }

  @Override
  public int totalEpochs(AblConfig config, FineTuning fineTuning) {
    return config.epochs() + 2 * fineTuning.epochs() + fineTuning.curveEpochs();
  }

  /** Epochs {@code from} to {@code to} - 1 of plain fine-tuning on the clean subset, those still to run. */
  private static void fineTune(TrainingRun run, int from, int to) {
    for (int epoch = Math.max(from, run.nextEpoch()); epoch < to; epoch++) {
      run.beginEpoch(epoch);
      run.run(Phase.FINETUNING, epoch, run.shuffled(run.clean()), new int[0], Objective.DESCENT);
      run.endEpoch(Phase.FINETUNING);
    }
  }

  /**
   * The curve: from the first endpoint, set aside, to the second, in the model, with theta at their mean; or,
   * in a run resumed while the curve trains, read back from where it was set aside.
   */
  static BezierCurve curve(TrainingRun run, int curved) {
    Trainer trainer = run.evaluator().trainer();
    FineTuning ft = run.fineTuning();
    BatchNormStatistics statistics =
        new BatchNormStatistics(trainer, run.evaluator().train(), run.clean(), run.config().batchSize());
    if (run.nextEpoch() > curved) {
      return BezierCurve.decode(trainer, SetAside.in(run.progress().defenseState()), ft.curvePoint(), statistics);
    }
    NetworkWeights start =
        NetworkWeights.decode(
            trainer.getModel().getBlock(), SetAside.in(run.progress().defenseState()), trainer.getManager());
    run.restartMomentum();
    return BezierCurve.toModel(trainer, start, ft.curvePoint(), statistics);
  }
}
