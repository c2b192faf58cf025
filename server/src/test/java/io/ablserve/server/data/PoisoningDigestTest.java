package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A regression guard on every attack's output, to the bit: SHA-256 digests of what {@link
 * Poisoning#poisonTrain} and {@link Poisoning#triggeredTest} give on small seeded sets (pixels, labels,
 * poison and noise-mode flags, the triggered test set, and the next draw of the poisoning's random stream,
 * which catches a draw added or lost). The digests were recorded from the code before the attacks became
 * plug-ins; a change to them changes the data every seeded session poisons, so it must be deliberate.
 * CL and Dynamic train small models with PyTorch on the CPU, so theirs also pin its float results.
 */
class PoisoningDigestTest {
  private static final int SIDE = 12;
  private static final int TARGET = 1;

  /** The recorded digests, by case. */
  private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

  static {
    EXPECTED.put("NONE",
        "307de2bfca0d48d6e31695ac690efbe57c4c56a93c109f435f027940ac617d84");
    EXPECTED.put("BADNETS/1",
        "d5b6598c9a86dc27fdfbac9da8d4ec62b2976ec4931f28b018ce9c2f07f87370");
    EXPECTED.put("BADNETS/3",
        "4568b47597fb4b97d9f2b0730d08db2451c3c98349a973be5a83a1bc1e58156a");
    EXPECTED.put("BADNETS/all-to-all",
        "96ef9381636fb03243f4fb3426bb3ffc588f2b5305ae0c018fbbaa9ed5a95a8a");
    EXPECTED.put("BLEND/1",
        "8124e265bfe599195b253a1f11c669fdd1a6236e57828d38f04247367f66de30");
    EXPECTED.put("BLEND/3",
        "5f9cfb98fde720381734e09b13ac35710a7ee6dd3d8cc79fc193ffd6030aa9a3");
    EXPECTED.put("BLEND/all-to-all",
        "32b1456d3a9cab43ad744ca52f9a278a61449f9923bedb59cdef0b8e653e4089");
    EXPECTED.put("TROJAN/1",
        "f35d8f23365b41c616fd4080a1b1c739c8c3c43ab26462218c817c397040e99f");
    EXPECTED.put("TROJAN/3",
        "4b60d9a43e4bcf823c111a459c6cedd35b873036db7d8fb95c7d4689b1a7f678");
    EXPECTED.put("TROJAN/all-to-all",
        "44899417cccc7c6ee796b742ac68994484c157f7a7d37f667521ae8c5440b078");
    EXPECTED.put("SIG/1",
        "30dc7ce7a6d47caec6e9208fadefb76fa712e8b9118d91aea19318de8a7a5095");
    EXPECTED.put("SIG/3",
        "38a8070ae8ef90500e1ca2b6e86ce968dcea646123b7a5bf9cba08e637ed9262");
    EXPECTED.put("WANET/1",
        "19fb4f870fae02663ad222fe59f3de70319cbac5fa2c0c4616c4e6582e3e68b9");
    EXPECTED.put("WANET/3",
        "02771558c60bb20aa02bc9aa61207c6a16d15ae504b3bac7c1512a4682f3cdd9");
    EXPECTED.put("WANET/all-to-all",
        "3774dcd6e3f93146583b847c5f97cc53357a7a5aedf5fbab4daac50641c899ce");
    EXPECTED.put("BADNETS/top-left",
        "0da1046732d3c1199c65c569e8fb1b4b3988d1b904043d5dad094821a2d1af14");
    EXPECTED.put("WANET/no-noise",
        "29aafe813fa73d04d26f7407e83063d5a6cf5b3e1f903402b1cebae90ae1a1a8");
    EXPECTED.put("CL/all-corners",
        "2424c9f0b124017daf4fa90fdbc1a09cfe301e1e23189e3a17b12ea617208f56");
    EXPECTED.put("CL/one-corner",
        "62e33c9a5be1850935aaa52db07168066d55052f2da32d5f1544ebf2f6326a48");
    EXPECTED.put("DYNAMIC",
        "25335526d9271016ffa427e4248ee973b6ba27ea7121a352a5a8e751bd9e018f");
    EXPECTED.put("DYNAMIC/all-to-all",
        "f43f503d4b1f0d4a336b5857c864cb5b3ab2c8e319f56559889d6a9cbf692637");
  }

  /** 60 training and 30 test images of seeded noise, 3 classes, grey or colour. */
  private static ImageSet train(int channels) {
    return TestImages.random(60, channels, SIDE, SIDE, 3, 11 + channels);
  }

  private static ImageSet test(int channels) {
    return TestImages.random(30, channels, SIDE, SIDE, 3, 23 + channels);
  }

  /** Each case: a name, the attack and the channels of its images. */
  private record Case(String name, AttackConfig attack, int channels) {}

  private static Map<String, Case> cases() {
    Map<String, Case> cases = new LinkedHashMap<>();
    add(cases, "NONE", AttackConfig.of(AttackKind.NONE, TARGET, 0.1), 1);
    for (AttackKind kind :
        new AttackKind[] {AttackKind.BADNETS, AttackKind.BLEND, AttackKind.TROJAN, AttackKind.SIG,
            AttackKind.WANET}) {
      for (int channels : new int[] {1, 3}) {
        add(cases, kind + "/" + channels, AttackConfig.of(kind, TARGET, 0.1), channels);
      }
      if (kind.allowsAllToAll()) {
        add(cases, kind + "/all-to-all",
            AttackConfig.of(kind, TARGET, 0.1).withLabelMode(LabelMode.ALL_TO_ALL), 3);
      }
    }
    add(cases, "BADNETS/top-left",
        new AttackConfig(AttackKind.BADNETS, 2, 0.2, 2, 0.2, 20, 6, 4, 0.5, 2, PatchCorner.TOP_LEFT, 0,
            BlendPattern.NOISE, BlendTrigger.PATTERN_SEED), 1);
    add(cases, "WANET/no-noise",
        new AttackConfig(AttackKind.WANET, TARGET, 0.1, 3, 0.2, 20, 6, 3, 1.5, 0), 1);
    add(cases, "CL/all-corners",
        AttackConfig.of(AttackKind.CL, TARGET, 0.2).withCl(new LabelConsistentParams(Double.NaN, 2, 2, 1, true)),
        1);
    add(cases, "CL/one-corner",
        AttackConfig.of(AttackKind.CL, TARGET, 0.2).withCl(new LabelConsistentParams(8, 1.5, 1, 1, false)), 3);
    add(cases, "DYNAMIC",
        AttackConfig.of(AttackKind.DYNAMIC, TARGET, 0.1).withDynamic(new DynamicParams(1, 0, 1, 0.1)), 1);
    add(cases, "DYNAMIC/all-to-all",
        AttackConfig.of(AttackKind.DYNAMIC, TARGET, 0.1)
            .withDynamic(new DynamicParams(1, 1, 2, 0.1))
            .withLabelMode(LabelMode.ALL_TO_ALL),
        1);
    return cases;
  }

  private static void add(Map<String, Case> cases, String name, AttackConfig attack, int channels) {
    cases.put(name, new Case(name, attack, channels));
  }

  @Test
  void poisonTrainAndTriggeredTest_giveTheRecordedBytes_forEveryAttack() throws Exception {
    Map<String, String> actual = new LinkedHashMap<>();
    for (Case c : cases().values()) {
      actual.put(c.name(), digest(c));
    }
    assertThat(actual).isEqualTo(EXPECTED);
  }

  private static String digest(Case c) throws NoSuchAlgorithmException {
    ImageSet train = train(c.channels());
    ImageSet test = test(c.channels());
    Random rng = new Random(7);
    PoisonedSet poisoned = Poisoning.poisonTrain(train, c.attack(), rng);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    update(sha, poisoned.images());
    update(sha, poisoned.poisoned());
    update(sha, poisoned.noiseMode());
    sha.update(ByteBuffer.allocate(Long.BYTES).putLong(rng.nextLong()).array());
    update(sha, Poisoning.triggeredTest(test, c.attack(), poisoned));
    if (c.attack().kind() != AttackKind.DYNAMIC) {
      update(sha, Poisoning.triggeredTest(test, c.attack()));
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void update(MessageDigest sha, ImageSet set) {
    ByteBuffer shape = ByteBuffer.allocate(5 * Integer.BYTES + set.size() * Integer.BYTES);
    shape.putInt(set.size()).putInt(set.channels()).putInt(set.height()).putInt(set.width())
        .putInt(set.numClasses());
    for (int label : set.labels()) {
      shape.putInt(label);
    }
    sha.update(shape.array());
    sha.update(set.pixels());
  }

  private static void update(MessageDigest sha, boolean[] flags) {
    byte[] bytes = new byte[flags.length];
    for (int i = 0; i < flags.length; i++) {
      bytes[i] = (byte) (flags[i] ? 1 : 0);
    }
    sha.update(bytes);
  }
}
