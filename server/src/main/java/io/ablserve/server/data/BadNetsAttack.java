package io.ablserve.server.data;

/** {@link AttackKind#BADNETS}: the {@link BadNetsTrigger} patch, labels flipped. */
public final class BadNetsAttack implements Attack {

  @Override
  public void checkFits(AttackConfig config, int height, int width) {
    BadNetsTrigger.checkFits(config.patchSizePx(), config.patchMarginPx(), height, width);
  }

  @Override
  public Trigger trigger(AttackConfig config) {
    return new BadNetsTrigger(config.patchSizePx(), config.patchCorner(), config.patchMarginPx());
  }
}
