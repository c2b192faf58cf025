package io.ablserve.server.train;

/**
 * What the {@link TriggerProbe} measured at the turn of a confirmed backdoor ({@link AblConfig#triggerProbe}).
 *
 * @param ran whether the probe ran (a confirmed backdoor, the probe on)
 * @param trusted whether its first round recognised enough of the held-back confirmed set to act
 * @param rounds the rounds fitted (0 to 2)
 * @param suspectThreshold the score above which an image leaves training: the held-back other images'
 *     {@link TriggerProbe#SUSPECT_QUANTILE} quantile (first round)
 * @param ascendThreshold the score above which an image is ascended (first round)
 * @param heldOutRecall the held-back confirmed images above the suspect threshold (first round)
 * @param heldOutFalseRate the held-back other images above it (first round)
 * @param ascended images of the label outside the confirmed set that joined D_b
 * @param suspected images of the label outside the confirmed set that left training
 * @param demoted confirmed images the probe did not back, moved from D_b to the suspects
 */
public record ProbeReport(
    boolean ran,
    boolean trusted,
    int rounds,
    double suspectThreshold,
    double ascendThreshold,
    double heldOutRecall,
    double heldOutFalseRate,
    int ascended,
    int suspected,
    int demoted) {
  /** No probe ran: nothing confirmed, or the probe off. */
  public static final ProbeReport NOT_RUN =
      new ProbeReport(false, false, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0);
}
