package io.ablserve.server.data;

/**
 * {@link AttackKind#SIG}: the {@link SigTrigger} sinusoid on target-class samples, labels kept (clean label,
 * {@link AttackKind#cleanLabel}).
 */
public final class SigAttack implements Attack {

  @Override
  public Trigger trigger(AttackConfig config) {
    return new SigTrigger(config.sigAmplitude(), config.sigFrequency());
  }
}
