package io.ablserve.server.data;

/** {@link AttackKind#NONE}: poisons nothing, so a session trains and is measured on clean data alone. */
public final class NoAttack implements Attack {

  @Override
  public boolean poisons() {
    return false;
  }

  @Override
  public boolean fixedTrigger() {
    return false;
  }

  @Override
  public Trigger trigger(AttackConfig config) {
    throw new IllegalArgumentException("attack NONE has no trigger");
  }
}
