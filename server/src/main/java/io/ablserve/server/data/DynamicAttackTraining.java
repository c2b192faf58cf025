package io.ablserve.server.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Random;

/**
 * Trains the dynamic attack's generators on the clean training set, as the paper's two stages at a few
 * epochs. First the mask generator alone, on the diversity loss plus the norm loss that holds the mean mask
 * to the density ({@code lambda_div 1}, {@code lambda_norm 100}). Then, the mask frozen, the pattern
 * generator with a classifier (the small CNN of {@link Surrogate}): in each batch of 128 a share {@link
 * #BACKDOOR_SHARE} carries its own trigger and the poisoned label, as much again carries another image's
 * trigger and keeps its label (cross mode), the rest stays clean; the loss is the classifier's
 * cross-entropy plus the patterns' diversity loss {@code ||x1 - x2|| / ||p(x1) - p(x2)||}. The training
 * shares are the paper's 10% whatever the session's poison rate, which only decides how many samples the
 * poisoned set carries. Seeded: initialisation and batch order come from the seed alone.
 */
final class DynamicAttackTraining {
  /** The paper's rho_b (and rho_c): the share of each batch given the backdoor, and the cross mode. */
  static final double BACKDOOR_SHARE = 0.1;
  /** The paper's Adam rate for the pattern generator. */
  static final float PATTERN_LEARNING_RATE = 0.01f;
  /**
   * A hundredth of the paper's rate for the mask generator. Adam moves every weight of the last layer the
   * same way under the norm loss, and at 0.01 (and still at 0.001) that drove every mask of a 1,000-image set
   * to 0 within its 8 steps, where the steep threshold saturates and no gradient brings it back; the paper's
   * generators have batch norm and thousands of steps. Here masks start near half the image and shrink
   * towards the density as the steps add up.
   */
  static final float MASK_LEARNING_RATE = 0.0001f;
  private static final float LAMBDA_DIV = 1;
  private static final float LAMBDA_NORM = 100;
  private static final float DIV_EPSILON = 1e-7f;
  /**
   * The least output distance the diversity loss divides by: the paper's 1e-7 lets two saturated, equal
   * patterns send the ratio, and its gradient, past what float32 Adam survives.
   */
  private static final float MIN_OUTPUT_DISTANCE = 1e-2f;

  private DynamicAttackTraining() {}

  /** The trigger whose generators {@code attack}'s {@link DynamicParams} train on {@code clean}. */
  static DynamicTrigger train(ImageSet clean, AttackConfig attack, long seed) {
    DynamicParams params = attack.dynamic();
    Random rng = new Random(seed);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Surrogate classifier = Surrogate.untrained(clean, rng)) {
      boolean mode = JniUtils.isGradMode(); // once the engine, which the manager loads, is there
      try {
        return train(clean, attack, params, rng, manager, classifier);
      } finally {
        JniUtils.setGradMode(mode);
      }
    }
  }

  private static DynamicTrigger train(
      ImageSet clean, AttackConfig attack, DynamicParams params, Random rng, NDManager manager,
      Surrogate classifier) {
    int c = clean.channels();
    TriggerGenerator mask = new TriggerGenerator(manager, c, 1, TriggerGenerator.initialValues(c, 1, rng));
    TriggerGenerator pattern =
        new TriggerGenerator(manager, c, c, TriggerGenerator.initialValues(c, c, rng));
    mask.trainable();
    for (int epoch = 0; epoch < params.maskEpochs(); epoch++) {
      forEachBatch(clean, rng, (scope, x, x2, y) -> {
        NDArray m1 = DynamicTrigger.threshold(mask.forward(x));
        NDArray m2 = DynamicTrigger.threshold(mask.forward(x2));
        NDArray norm = m1.sub((float) params.maskDensity()).maximum(0).mean();
        NDArray loss = diversity(x, x2, m1, m2).mul(LAMBDA_DIV).add(norm.mul(LAMBDA_NORM));
        checkFinite(loss);
        backward(loss);
        mask.adamStep(MASK_LEARNING_RATE);
      });
    }
    mask.freeze();
    pattern.trainable();
    for (int epoch = 0; epoch < params.generatorEpochs(); epoch++) {
      forEachBatch(clean, rng, (scope, x, x2, y) -> {
        jointStep(scope, x, x2, y, attack, clean.numClasses(), mask, pattern, classifier);
      });
    }
    pattern.freeze();
    return new DynamicTrigger(c, mask.values(), pattern.values());
  }

  /**
   * One step of the pattern generator and the classifier: the batch's first {@link #BACKDOOR_SHARE} with
   * their own trigger and the poisoned label, as many next with the trigger of {@code x2}'s images at the
   * same places, the rest clean.
   */
  private static void jointStep(
      NDManager scope, NDArray x, NDArray x2, int[] y, AttackConfig attack, int numClasses,
      TriggerGenerator mask, TriggerGenerator pattern, Surrogate classifier) {
    long n = x.getShape().get(0);
    int bd = (int) Math.max(1, Math.round(BACKDOOR_SHARE * n));
    int cross = (int) Math.min(bd, n - bd);
    NDArray own = x.get("0:{}", bd);
    NDArray ownPattern = pattern.forward(own);
    NDArray input = DynamicTrigger.blend(own, mask.forward(own), ownPattern);
    NDArray diversity = null;
    if (cross > 0) {
      NDArray donors = x2.get("{}:{}", bd, bd + cross);
      NDArray donorPattern = pattern.forward(donors);
      NDArray crossed =
          DynamicTrigger.blend(x.get("{}:{}", bd, bd + cross), mask.forward(donors), donorPattern);
      input = NDArrays.concat(new NDList(input, crossed, x.get("{}:", bd + cross)));
      diversity = diversity(own.get("0:{}", cross), donors, ownPattern.get("0:{}", cross), donorPattern);
    }
    int[] labels = y.clone();
    for (int i = 0; i < bd; i++) {
      labels[i] = attack.poisonedLabel(labels[i], numClasses);
    }
    NDArray logits = classifier.logits(input, true);
    NDArray loss = classifier.crossEntropy(scope, logits, labels).mean();
    NDArray total = diversity == null ? loss : loss.add(diversity.mul(LAMBDA_DIV));
    checkFinite(total);
    backward(total);
    classifier.sgdStep();
    pattern.adamStep(PATTERN_LEARNING_RATE);
  }

  /**
   * The paper's diversity loss: the mean over the batch of the images' distance over their generated
   * outputs' ({@code sqrt} of the mean squared difference each).
   */
  private static NDArray diversity(NDArray x1, NDArray x2, NDArray g1, NDArray g2) {
    return distance(x1, x2).div(distance(g1, g2).maximum(MIN_OUTPUT_DISTANCE)).mean();
  }

  /** Per sample, the root of the mean squared difference. */
  private static NDArray distance(NDArray a, NDArray b) {
    // Inside the root too: identical outputs would otherwise give an infinite gradient, and NaN weights.
    return a.sub(b).square().reshape(a.getShape().get(0), -1).mean(new int[] {1}).add(DIV_EPSILON).sqrt();
  }

  private static void checkFinite(NDArray loss) {
    float value = loss.getFloat();
    if (!Float.isFinite(value)) {
      throw new IllegalStateException("the dynamic attack's generator training diverged (loss " + value + ")");
    }
  }

  private static void backward(NDArray loss) {
    Surrogate.backward(loss);
  }

  private interface BatchStep {
    void run(NDManager scope, NDArray x, NDArray x2, int[] labels);
  }

  /**
   * One epoch in batches of {@link Surrogate#BATCH} in a seeded order, each with a second batch from
   * another seeded order ({@code x2}, the paper's second loader), under gradient mode, in a scope closed
   * with the batch.
   */
  private static void forEachBatch(ImageSet clean, Random rng, BatchStep step) {
    int[] order = shuffled(clean.size(), rng);
    int[] others = shuffled(clean.size(), rng);
    int bytes = clean.imageBytes();
    Shape shape = new Shape(-1, clean.channels(), clean.height(), clean.width());
    try (NDManager epoch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      for (int from = 0; from < order.length; from += Surrogate.BATCH) {
        int n = Math.min(Surrogate.BATCH, order.length - from);
        float[] x = new float[n * bytes];
        float[] x2 = new float[n * bytes];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
          copy(clean, order[from + i], x, i);
          copy(clean, others[from + i], x2, i);
          y[i] = clean.labels()[order[from + i]];
        }
        try (NDManager scope = epoch.newSubManager()) {
          JniUtils.setGradMode(true);
          step.run(scope, scope.create(x).reshape(shape), scope.create(x2).reshape(shape), y);
        }
      }
    }
  }

  private static void copy(ImageSet clean, int index, float[] x, int slot) {
    int bytes = clean.imageBytes();
    System.arraycopy(Surrogate.inputs(clean.pixels(), index * bytes, 1, bytes), 0, x, slot * bytes, bytes);
  }

  private static int[] shuffled(int size, Random rng) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    for (int i = size - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
