package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.CleanData;
import io.ablserve.v1.Defense;
import io.ablserve.v1.FinePruning;
import io.ablserve.v2.AttackSpec;
import io.ablserve.v2.Blend;
import io.ablserve.v2.FinePruningDefense;
import io.ablserve.v2.SessionConfig;
import io.ablserve.v2.Training;
import java.util.List;
import org.junit.jupiter.api.Test;

class V2TranslationTest {
  private static final Descriptor V2 = SessionConfig.getDescriptor();
  private static final List<FieldDescriptor> DEFENSES =
      V2.findFieldByName("abl").getContainingOneof().getFields();
  private static final List<FieldDescriptor> TRIGGERS =
      AttackSpec.getDescriptor().findFieldByName("badnets").getContainingOneof().getFields();

  @Test
  void eachDefenceAndTrigger_withEveryOptionSet_survivesTheTripThroughV1() {
    for (FieldDescriptor defense : DEFENSES) {
      for (FieldDescriptor trigger : TRIGGERS) {
        SessionConfig.Builder config = (SessionConfig.Builder) filled(SessionConfig.newBuilder(), 1);
        config.setField(defense, filled(config.newBuilderForField(defense), 2).build());
        AttackSpec.Builder attack = (AttackSpec.Builder) filled(AttackSpec.newBuilder(), 3);
        attack.setField(trigger, filled(attack.newBuilderForField(trigger), 4).build());
        SessionConfig v2 = config.setAttack(attack).build();

        io.ablserve.v1.SessionConfig v1 = V2Translation.toV1(v2);

        assertThat(v1.getAbl().getDefense().name()).isEqualTo("DEFENSE_" + defense.getName().toUpperCase());
        assertThat(v1.getAttack().getKind().name())
            .isEqualTo("ATTACK_KIND_" + trigger.getName().toUpperCase());
        assertThat(V2Translation.fromV1(v1)).as("%s, %s", defense.getName(), trigger.getName())
            .isEqualTo(v2);
      }
    }
  }

  @Test
  void everyV1DefenceAndAttackKind_hasItsV2Case() {
    for (Defense defense : Defense.values()) {
      if (defense == Defense.DEFENSE_UNSPECIFIED || defense == Defense.UNRECOGNIZED) {
        continue;
      }
      io.ablserve.v1.SessionConfig v1 =
          io.ablserve.v1.SessionConfig.newBuilder()
              .setAbl(AblConfig.newBuilder().setDefense(defense))
              .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_NONE))
              .build();
      assertThat(V2Translation.toV1(V2Translation.fromV1(v1))).as(defense.name()).isEqualTo(v1);
    }
    for (AttackKind kind : AttackKind.values()) {
      if (kind == AttackKind.ATTACK_KIND_UNSPECIFIED || kind == AttackKind.UNRECOGNIZED) {
        continue;
      }
      io.ablserve.v1.SessionConfig v1 =
          io.ablserve.v1.SessionConfig.newBuilder()
              .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setKind(kind))
              .build();
      assertThat(V2Translation.toV1(V2Translation.fromV1(v1))).as(kind.name()).isEqualTo(v1);
    }
  }

  @Test
  void unsetStaysUnset_soTheServerDefaultsDecide() {
    assertThat(V2Translation.toV1(SessionConfig.getDefaultInstance()))
        .isEqualTo(io.ablserve.v1.SessionConfig.getDefaultInstance());
    assertThat(V2Translation.toV1(SessionConfig.newBuilder().setAttack(AttackSpec.newBuilder().setPoisonRate(0.2)).build()))
        .isEqualTo(io.ablserve.v1.SessionConfig.newBuilder()
            .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setPoisonRate(0.2)).build());
  }

  @Test
  void optionsLandOnTheV1FieldsOfTheirNames_aTriggersOwnUnderItsPrefix() {
    SessionConfig v2 =
        SessionConfig.newBuilder()
            .setTraining(Training.newBuilder().setEpochs(12).setLearningRate(0.05))
            .setFp(FinePruningDefense.newBuilder()
                .setCleanData(CleanData.newBuilder().setCount(300))
                .setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(0.5)))
            .setAttack(AttackSpec.newBuilder().setTargetLabel(3)
                .setBlend(Blend.newBuilder().setAlpha(0.3).setPattern(BlendPattern.BLEND_PATTERN_NOISE)))
            .build();

    assertThat(V2Translation.toV1(v2)).isEqualTo(
        io.ablserve.v1.SessionConfig.newBuilder()
            .setAbl(AblConfig.newBuilder().setEpochs(12).setLearningRate(0.05).setDefense(Defense.DEFENSE_FP))
            .setCleanData(CleanData.newBuilder().setCount(300))
            .setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(0.5))
            .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setTargetLabel(3)
                .setKind(AttackKind.ATTACK_KIND_BLEND).setBlendAlpha(0.3)
                .setBlendPattern(BlendPattern.BLEND_PATTERN_NOISE))
            .build());
  }

  @Test
  void anEcho_keepsOnlyItsDefencesAndItsAttacksOptions() {
    // A v1 echo of plain training still carries ABL's options and a BadNets session's Blend ones would
    // be there if set: v2 shows the options of the defence and attack the session has.
    io.ablserve.v1.SessionConfig echo =
        io.ablserve.v1.SessionConfig.newBuilder()
            .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_NONE).setEpochs(4).setIsolationEpochs(2))
            .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS)
                .setPatchSizePx(3).setBlendAlpha(0.2))
            .build();

    SessionConfig v2 = V2Translation.fromV1(echo);

    assertThat(v2.getDefenseCase()).isEqualTo(SessionConfig.DefenseCase.NONE);
    assertThat(v2.getTraining().getEpochs()).isEqualTo(4);
    assertThat(v2.getAttack().getTriggerCase()).isEqualTo(AttackSpec.TriggerCase.BADNETS);
    assertThat(v2.getAttack().getBadnets().getPatchSizePx()).isEqualTo(3);
    assertThat(V2Translation.toV1(v2).getAbl().hasIsolationEpochs()).isFalse();
    assertThat(V2Translation.toV1(v2).getAttack().hasBlendAlpha()).isFalse();
  }

  /**
   * {@code builder} with every field outside the oneofs set to a value other than its default, derived
   * from {@code salt} and the field's number; message fields filled the same way.
   */
  private static Message.Builder filled(Message.Builder builder, int salt) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.getRealContainingOneof() != null) {
        continue;
      }
      if (field.isRepeated()) {
        continue; // NAD's layers, a list copied whole like any message field's
      }
      int n = salt * 100 + field.getNumber();
      Object value =
          switch (field.getJavaType()) {
            case INT -> n;
            case LONG -> (long) n;
            case DOUBLE -> n / 1000.0;
            case FLOAT -> n / 1000f;
            case BOOLEAN -> n % 2 == 0;
            case STRING -> "s" + n;
            case ENUM -> lastValue(field);
            case MESSAGE -> filled(builder.newBuilderForField(field), salt).build();
            default -> throw new IllegalStateException(field.getFullName());
          };
      builder.setField(field, value);
    }
    return builder;
  }

  private static EnumValueDescriptor lastValue(FieldDescriptor field) {
    List<EnumValueDescriptor> values = field.getEnumType().getValues();
    return values.get(values.size() - 1);
  }

}
