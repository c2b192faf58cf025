package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefenseStateTest {

  @Test
  void absentEntries_readAsEmpty() {
    assertThat(DefenseState.EMPTY.bytes("anything")).isEmpty();
    assertThat(DefenseState.EMPTY.ints("anything")).isEmpty();
    assertThat(AblState.of(DefenseState.EMPTY).ranked()).isFalse();
  }

  @Test
  void withInts_writesTheCountThenEachValue_asCheckpointsAlwaysHave() throws Exception {
    // The form FileCheckpoints wrote isolated.bin, kept.bin, suspects.bin and pruned.bin in.
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(expected)) {
      out.writeInt(3);
      out.writeInt(-1);
      out.writeInt(0);
      out.writeInt(70000);
    }

    DefenseState state = DefenseState.EMPTY.withInts("set", new int[] {-1, 0, 70000});

    assertThat(state.bytes("set")).isEqualTo(expected.toByteArray());
    assertThat(state.ints("set")).containsExactly(-1, 0, 70000);
    assertThat(DefenseState.EMPTY.withInts("none", new int[0]).ints("none")).isEmpty();
  }

  @Test
  void ints_rejectsAnEntryOfAnotherLength() {
    DefenseState state = DefenseState.of(Map.of("short", new byte[] {0, 0, 0, 2, 0, 0, 0, 1}));

    assertThatThrownBy(() -> state.ints("short"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("short");
  }

  @Test
  void names_mustBeSafeFileNames() {
    for (String bad : new String[] {"", "Kept", "../kept", "kept.bin", "1st", "a".repeat(65)}) {
      assertThatThrownBy(() -> DefenseState.EMPTY.with(bad, new byte[0]))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(DefenseState.EMPTY.with("loss_sums_2", new byte[0]).names()).containsExactly("loss_sums_2");
  }

  @Test
  void with_leavesTheOriginalAsItWas_andEqualityIsByContent() {
    DefenseState one = DefenseState.EMPTY.with("b", new byte[] {1}).with("a", new byte[] {2});
    DefenseState two = one.with("a", new byte[] {3});

    assertThat(one.bytes("a")).containsExactly(2);
    assertThat(two.bytes("a")).containsExactly(3);
    assertThat(two.names()).containsExactly("a", "b");
    assertThat(one).isEqualTo(DefenseState.of(Map.of("a", new byte[] {2}, "b", new byte[] {1})))
        .hasSameHashCodeAs(DefenseState.of(Map.of("a", new byte[] {2}, "b", new byte[] {1})))
        .isNotEqualTo(two);
  }

  @Test
  void ablState_roundTripsThroughItsEntries_underTheNamesOfItsOldFiles() {
    AblState sets = new AblState(new int[] {4, 8}, new int[] {0, 1, 2}, new int[] {3}, new byte[] {5, 6});

    DefenseState encoded = sets.encode();
    AblState decoded = AblState.of(encoded);

    assertThat(encoded.names()).containsExactly("aside", "isolated", "kept", "suspects");
    assertThat(decoded.isolated()).containsExactly(4, 8);
    assertThat(decoded.kept()).containsExactly(0, 1, 2);
    assertThat(decoded.suspects()).containsExactly(3);
    assertThat(decoded.lossSums()).containsExactly(5, 6);
    assertThat(decoded.ranked()).isTrue();
  }
}
