package io.ablserve.server.data;

/** {@link AttackKind#BLEND}: the {@link BlendTrigger} pattern blended in, labels flipped. */
public final class BlendAttack implements Attack {

  @Override
  public Trigger trigger(AttackConfig config) {
    return new BlendTrigger(config.blendAlpha(), config.blendPattern(), config.blendSeed());
  }
}
