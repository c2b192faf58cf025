package io.ablserve.server.train;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import io.ablserve.server.data.ImageSet;

/**
 * {@link Defense#NAD}, neural attention distillation (Li et al., ICLR 2021): plain training for the session's
 * epochs, exactly as {@link Defense#NONE}, gives the backdoored student; a copy of it, the teacher, is
 * fine-tuned on the trusted clean subset for {@code nad.teacher_epochs}; then the student is trained on the
 * subset for {@code fine_tuning.epochs} with cross-entropy plus {@code nad.beta} times the distance of its
 * attention maps from the frozen teacher's at the layers {@code nad.layers} names ({@link
 * AttentionDistillation}). All at the fine-tuning rate, in {@link Phase#FINETUNING}, numbered on from the
 * training epochs; the teacher's epochs report the teacher's figures. The model saved and exported is the
 * student.
 *
 * <p>The teacher trains in the model's place, so its epochs run through the same loop, evaluation and
 * checkpoints as any other; the student waits beside it, set aside ({@link SetAside}). When
 * the teacher is done they trade places: the student's weights go back into the model and the teacher's are
 * set aside, where every later checkpoint keeps them. A run resumed at any epoch thus finds both networks in
 * its checkpoint; the teacher is saved rather than recomputed, since the plain-trained model it starts from
 * is gone once the student has been distilled for an epoch.
 */
public final class AttentionDistillationDefense implements DefenseStrategy {
  @Override
  public TrainingOutcome train(TrainingRun run) {
    PlainTraining.trainPlainly(run);
    FineTuning ft = run.fineTuning();
    Progress progress = run.progress();
    Trainer trainer = run.evaluator().trainer();
    Block network = trainer.getModel().getBlock();
    int first = run.config().epochs();
    int distilled = first + ft.teacherEpochs();
    int last = distilled + ft.epochs();
    if (run.nextEpoch() == first) {
      progress.defenseState(SetAside.of(NetworkWeights.encode(network)));
      run.listener().onPhase(Phase.FINETUNING, first);
    }
    run.learningRate(ft.learningRate());
    for (int epoch = Math.max(first, run.nextEpoch()); epoch < distilled; epoch++) {
      run.beginEpoch(epoch);
      run.run(Phase.FINETUNING, epoch, run.shuffled(run.clean()), new int[0], Objective.DESCENT);
      run.endEpoch(Phase.FINETUNING);
    }
    ImageSet images = run.train();
    Shape input = new Shape(1, images.channels(), images.height(), images.width());
    try (NetworkWeights teacher = teacher(run, network)) {
      AttentionDistillation distillation =
          new AttentionDistillation(
              trainer, teacher, ft.distillationWeight(), ft.distilledLayers(), input);
      for (int epoch = Math.max(distilled, run.nextEpoch()); epoch < last; epoch++) {
        run.beginEpoch(epoch);
        run.run(Phase.FINETUNING, epoch, run.shuffled(run.clean()), distillation);
        run.endEpoch(Phase.FINETUNING);
      }
    }
    return run.outcome();
  }

  @Override
  public int totalEpochs(AblConfig config, FineTuning fineTuning) {
    return config.epochs() + fineTuning.teacherEpochs() + fineTuning.epochs();
  }

  /**
   * The frozen teacher: taken from the model, where it was trained, with the student put back in its place
   * and the teacher set aside; or, in a run resumed while distilling, read back from where it was set aside.
   */
  private static NetworkWeights teacher(TrainingRun run, Block network) {
    Progress progress = run.progress();
    Trainer trainer = run.evaluator().trainer();
    if (run.nextEpoch() > run.config().epochs() + run.fineTuning().teacherEpochs()) {
      return NetworkWeights.decode(network, SetAside.in(progress.defenseState()), trainer.getManager());
    }
    NetworkWeights teacher = NetworkWeights.copyOf(network, trainer.getManager());
    try (NetworkWeights student =
        NetworkWeights.decode(network, SetAside.in(progress.defenseState()), trainer.getManager())) {
      student.copyInto(network);
    }
    progress.defenseState(SetAside.of(teacher.encode()));
    run.restartMomentum();
    return teacher;
  }
}
