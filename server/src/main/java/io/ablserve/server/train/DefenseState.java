package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What one defence keeps in a checkpoint beside the model: named byte strings that only the defence that
 * wrote them reads (ABL's sets, fine-pruning's channels, NAD's second network). {@link Progress}, {@link
 * TrainingState} and the stores save and restore it whole, by name, so a defence with state of its own
 * needs no change to them. An absent entry reads as empty, as it does in a checkpoint saved before the
 * defence kept it.
 *
 * <p>The map is immutable; its arrays are shared rather than copied, as {@link TrainingState#parameters}
 * is, since a set-aside network runs to tens of megabytes: nobody writes into an array once it is here.
 */
public final class DefenseState {
  /** A defence that keeps nothing beside the model. */
  public static final DefenseState EMPTY = new DefenseState(new TreeMap<>());

  /** Names double as file names in a checkpoint folder: short, lower case, nothing a path could read. */
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  private final SortedMap<String, byte[]> entries;

  private DefenseState(SortedMap<String, byte[]> entries) {
    this.entries = Collections.unmodifiableSortedMap(entries);
  }

  /** The state holding {@code entries}; IllegalArgumentException for a name outside {@code [a-z][a-z0-9_]*}. */
  public static DefenseState of(Map<String, byte[]> entries) {
    TreeMap<String, byte[]> copy = new TreeMap<>();
    entries.forEach((name, value) -> copy.put(checked(name), requireNonNull(value, name)));
    return new DefenseState(copy);
  }

  /** The entries' names, sorted. */
  public Set<String> names() {
    return entries.keySet();
  }

  /** Every entry by name, sorted: what a store writes. */
  public Map<String, byte[]> entries() {
    return entries;
  }

  /** Entry {@code name}, or no bytes if this state lacks it. */
  public byte[] bytes(String name) {
    byte[] value = entries.get(name);
    return value == null ? new byte[0] : value;
  }

  /**
   * Entry {@code name} as a set of ints written by {@link #withInts}, or none if this state lacks it;
   * IllegalStateException if its length does not fit that form.
   */
  public int[] ints(String name) {
    byte[] value = entries.get(name);
    if (value == null) {
      return new int[0];
    }
    ByteBuffer in = ByteBuffer.wrap(value);
    int count = value.length >= Integer.BYTES ? in.getInt() : -1;
    if (count < 0 || (long) Integer.BYTES * (count + 1L) != value.length) {
      throw new IllegalStateException(
          "entry '" + name + "' of " + value.length + " bytes is not a set of ints");
    }
    int[] values = new int[count];
    in.asIntBuffer().get(values);
    return values;
  }

  /** This state with entry {@code name} set to {@code value}. */
  public DefenseState with(String name, byte[] value) {
    TreeMap<String, byte[]> copy = new TreeMap<>(entries);
    copy.put(checked(name), requireNonNull(value, "value"));
    return new DefenseState(copy);
  }

  /**
   * This state with entry {@code name} set to {@code values}: their count, then each value, big-endian ints,
   * the form checkpoints have always kept the isolated and pruned sets in.
   */
  public DefenseState withInts(String name, int[] values) {
    ByteBuffer out = ByteBuffer.allocate(Integer.BYTES * (values.length + 1));
    out.putInt(values.length);
    out.asIntBuffer().put(values);
    return with(name, out.array());
  }

  /** Whether {@code name} may name an entry: {@code [a-z][a-z0-9_]{0,63}}, safe as a file name anywhere. */
  public static boolean isEntryName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  private static String checked(String name) {
    if (!isEntryName(name)) {
      throw new IllegalArgumentException(
          "a defence's state entry is named by [a-z][a-z0-9_]{0,63}, got '" + name + "'");
    }
    return name;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof DefenseState that) || !entries.keySet().equals(that.entries.keySet())) {
      return false;
    }
    return entries.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), that.entries.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    return entries.entrySet().stream()
        .mapToInt(e -> e.getKey().hashCode() ^ Arrays.hashCode(e.getValue()))
        .sum();
  }

  @Override
  public String toString() {
    return entries.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue().length + " bytes")
        .collect(Collectors.joining(", ", "DefenseState{", "}"));
  }
}
