package io.ablserve.server.data;

/** {@link AttackKind#TROJAN}: the {@link TrojanTrigger} watermark, labels flipped. */
public final class TrojanAttack implements Attack {

  @Override
  public Trigger trigger(AttackConfig config) {
    return new TrojanTrigger();
  }
}
