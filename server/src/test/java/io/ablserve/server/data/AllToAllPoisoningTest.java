package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The all-to-all label mode: poisons from every class, class y relabelled (y + 1) mod classes. */
class AllToAllPoisoningTest {
  private static final int SIDE = 8;

  @Test
  void badNets_poisonsEveryClass_withThePatchAndTheNextLabel() {
    ImageSet clean = TestImages.constant(200, 1, SIDE, SIDE, 10, 7);
    AttackConfig attack =
        new AttackConfig(AttackKind.BADNETS, 0, 0.3, 2).withLabelMode(LabelMode.ALL_TO_ALL);

    PoisonedSet poisoned = Poisoning.poisonTrain(clean, attack, new Random(3));

    assertThat(poisoned.poisonedCount()).isEqualTo(60);
    boolean[] classPoisoned = new boolean[10];
    for (int i = 0; i < clean.size(); i++) {
      int label = clean.labels()[i];
      byte[] after = image(poisoned.images(), i);
      if (poisoned.poisoned()[i]) {
        classPoisoned[label] = true;
        assertThat(poisoned.images().labels()[i]).isEqualTo((label + 1) % 10);
        for (int p = 0; p < SIDE * SIDE; p++) {
          boolean inPatch = p / SIDE >= 5 && p / SIDE <= 6 && p % SIDE >= 5 && p % SIDE <= 6;
          assertThat(after[p] & 0xff).as("sample %d pixel %d", i, p).isEqualTo(inPatch ? 255 : 7);
        }
      } else {
        assertThat(poisoned.images().labels()[i]).isEqualTo(label);
        assertThat(after).containsOnly((byte) 7);
      }
    }
    assertThat(classPoisoned).as("poisons drawn from every class, the target's too").containsOnly(true);
    assertThat(clean.pixels()).containsOnly((byte) 7);
  }

  @Test
  void blendAndTrojan_relabelToTheNextClass_andChangeOnlyTheirPoisons() {
    ImageSet clean = TestImages.random(60, 3, SIDE, SIDE, 4, 9);
    for (AttackKind kind : EnumSet.of(AttackKind.BLEND, AttackKind.TROJAN, AttackKind.WANET)) {
      AttackConfig allToOne = AttackConfig.of(kind, 2, 0.25);
      AttackConfig allToAll = allToOne.withLabelMode(LabelMode.ALL_TO_ALL);

      PoisonedSet poisoned = Poisoning.poisonTrain(clean, allToAll, new Random(5));

      assertThat(poisoned.poisonedCount()).as(kind.name()).isEqualTo(15);
      for (int i = 0; i < clean.size(); i++) {
        int label = clean.labels()[i];
        if (poisoned.poisoned()[i]) {
          assertThat(poisoned.images().labels()[i]).as(kind.name()).isEqualTo((label + 1) % 4);
          byte[] expected = image(clean, i);
          Trigger.of(allToOne).apply(expected, 0, clean);
          assertThat(image(poisoned.images(), i)).as("%s sample %d", kind, i).isEqualTo(expected);
        } else {
          assertThat(poisoned.images().labels()[i]).as(kind.name()).isEqualTo(label);
        }
      }
    }
  }

  @Test
  void triggeredTest_isEveryTestImage_triggeredAndLabelledTheNextClass() {
    ImageSet test = TestImages.random(30, 3, SIDE, SIDE, 3, 11);
    AttackConfig attack = AttackConfig.of(AttackKind.BLEND, 1, 0.1).withLabelMode(LabelMode.ALL_TO_ALL);

    ImageSet triggered = Poisoning.triggeredTest(test, attack);

    assertThat(triggered.size()).isEqualTo(30);
    for (int i = 0; i < test.size(); i++) {
      assertThat(triggered.labels()[i]).isEqualTo((test.labels()[i] + 1) % 3);
      byte[] expected = image(test, i);
      new BlendTrigger(0.2).apply(expected, 0, test);
      assertThat(image(triggered, i)).isEqualTo(expected);
    }
    assertThat(Poisoning.triggeredIndices(test, attack)).hasSize(30);
  }

  @Test
  void allToOne_isTheDefault_andUnchanged() {
    assertThat(AttackConfig.DEFAULTS.labelMode()).isEqualTo(LabelMode.ALL_TO_ONE);
    assertThat(AttackConfig.of(AttackKind.BADNETS, 3, 0.1).poisonedLabel(7, 10)).isEqualTo(3);
    assertThat(LabelMode.ALL_TO_ALL.poisonedLabel(9, 3, 10)).isZero();
  }

  @Test
  void checkFeasible_allToAll_countsEverySampleAsACandidate() {
    int[] labels = new int[100]; // every sample in class 0: all-to-one on target 0 has no candidate
    AttackConfig allToOne = AttackConfig.of(AttackKind.BADNETS, 0, 0.5);
    assertThatThrownBy(() -> Poisoning.checkFeasible(labels, 10, allToOne))
        .hasMessageContaining("only 0 are outside the target class");

    Poisoning.checkFeasible(labels, 10, allToOne.withLabelMode(LabelMode.ALL_TO_ALL));
  }

  @Test
  void allToAll_isRefusedForCleanLabelAttacksAndNone() {
    assertThatThrownBy(() -> AttackConfig.of(AttackKind.SIG, 0, 0.1).withLabelMode(LabelMode.ALL_TO_ALL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attack.label_mode ALL_TO_ALL applies to BADNETS, BLEND, TROJAN, WANET and DYNAMIC, which relabel"
            + " their poisons; SIG is clean-label and keeps every label");
    assertThatThrownBy(() -> AttackConfig.of(AttackKind.NONE, 0, 0.1).withLabelMode(LabelMode.ALL_TO_ALL))
        .hasMessageEndingWith("NONE poisons nothing");
  }

  private static byte[] image(ImageSet set, int i) {
    return java.util.Arrays.copyOfRange(set.pixels(), i * set.imageBytes(), (i + 1) * set.imageBytes());
  }
}
