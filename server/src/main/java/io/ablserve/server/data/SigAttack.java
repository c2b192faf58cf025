package io.ablserve.server.data;

/**
 * {@link AttackKind#SIG}: the {@link SigTrigger} sinusoid on target-class samples, labels kept (clean label,
 * {@link AttackKind#cleanLabel}).
 */
public final class SigAttack implements Attack {

  @Override
  public void checkFits(AttackConfig config, int height, int width) {
    if (config.sigFrequency() > width) {
      throw new IllegalArgumentException(
          "attack.sig_frequency must be in [1, " + width + "] for " + height + "x" + width + " images, got "
              + config.sigFrequency());
    }
  }

  @Override
  public Trigger trigger(AttackConfig config) {
    return new SigTrigger(config.sigAmplitude(), config.sigFrequency());
  }
}
