package io.ablserve.server.api;

import static io.ablserve.server.api.ServiceTestBase.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.TrainingModule;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ListConfiguredDatasetsRequest;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.SampleImage;
import io.ablserve.v1.SampleSet;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GetSampleImages against real sessions (DJL, CPU, a small poisoned Fashion-MNIST subset): the server
 * rebuilds the poisoned training set from the session's config, so its images, labels and poisoned flags
 * must be those the isolation saw.
 */
@Tag("training")
class SampleImagesTest {
  private static final int TARGET = 2;

  @TempDir static Path dataDir;
  static TestServer server;
  static Session ranked; // D_b is the ranking's pick (no backdoor check)
  static Session checked; // D_b is what the backdoor check ascended

  @BeforeAll
  static void trainTwoSessions() throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dataDir), new TrainingModule());
    ranked = create(false);
    checked = create(true);
    awaitEnd(ranked);
    awaitEnd(checked);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  private static Session create(boolean expansion) {
    SessionConfig config =
        SessionConfig.newBuilder()
            .setDataset(DatasetSpec.newBuilder().setTrainLimit(1000).setTestLimit(200))
            .setAttack(
                AttackSpec.newBuilder()
                    .setKind(AttackKind.ATTACK_KIND_BADNETS)
                    .setTargetLabel(TARGET)
                    .setPoisonRate(0.1))
            .setAbl(
                AblConfig.newBuilder()
                    .setEpochs(2)
                    .setIsolationEpochs(1)
                    .setIsolationRatio(0.05)
                    .setBatchSize(64)
                    .setIsolationExpansion(expansion))
            .setSeed(5)
            .build();
    return server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  private static void awaitEnd(Session session) {
    server.blocking()
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(session.getId()).setFollow(true).build())
        .forEachRemaining(e -> {});
    assertThat(server.blocking().getSession(
            io.ablserve.v1.GetSessionRequest.newBuilder().setSessionId(session.getId()).build())
        .getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
  }

  private static ResultsServiceGrpc.ResultsServiceBlockingStub results() {
    return ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static GetSampleImagesResponse images(GetSampleImagesRequest.Builder request) {
    return results().getSampleImages(request.build());
  }

  private static GetSampleImagesRequest.Builder request(Session session, SampleSet set) {
    return GetSampleImagesRequest.newBuilder().setSessionId(session.getId()).setSet(set);
  }

  private static IsolationResult isolation(Session session) {
    return results().getIsolation(GetIsolationRequest.newBuilder().setSessionId(session.getId()).build());
  }

  private static BufferedImage png(com.google.protobuf.ByteString bytes) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(image).as("a PNG the JDK decodes").isNotNull();
    return image;
  }

  @Test
  void isolated_areTheRankingsPickWithItsLossesAndGroundTruth() throws IOException {
    IsolationResult isolation = isolation(ranked);

    GetSampleImagesResponse response =
        images(request(ranked, SampleSet.SAMPLE_SET_ISOLATED).setMaxImages(256));

    assertThat(response.getTotalCount()).isEqualTo(50); // 5% of 1000
    assertThat(response.getNextOffset()).isEqualTo(50);
    List<SampleImage> samples = response.getImagesList();
    assertThat(samples).extracting(SampleImage::getIndex).isEqualTo(isolation.getIndicesList());
    // The rebuilt poisoning agrees with the one the session trained on.
    assertThat(samples).extracting(SampleImage::getPoisoned).isEqualTo(isolation.getPoisonedList());
    assertThat(samples).extracting(SampleImage::getLoss).isEqualTo(isolation.getLossesList());
    assertThat(samples).filteredOn(SampleImage::getPoisoned).isNotEmpty();
    // Without the check D_b as ascended is the ranking's pick, named by GetIsolation in index order.
    assertThat(isolation.getAscendedIndicesList())
        .isSorted()
        .containsExactlyInAnyOrderElementsOf(isolation.getIndicesList());
    assertThat(isolation.getSuspectIndicesList()).isEmpty();
    for (SampleImage sample : samples) {
      BufferedImage image = png(sample.getPng());
      assertThat(image.getWidth()).isEqualTo(28);
      assertThat(image.getHeight()).isEqualTo(28);
      assertThat(image.getRaster().getNumBands()).isEqualTo(1);
      assertThat(sample.hasLoss()).isTrue();
      if (sample.getPoisoned()) {
        assertThat(sample.getLabel()).isEqualTo(TARGET);
        assertThat(sample.getTrueLabel()).isNotEqualTo(TARGET);
        // BadNets' white patch sits one pixel in from the bottom-right corner.
        assertThat(image.getRaster().getSample(26, 26, 0)).isEqualTo(255);
        assertThat(png(sample.getCleanPng()).getWidth()).isEqualTo(28);
      } else {
        assertThat(sample.getLabel()).isEqualTo(sample.getTrueLabel());
        assertThat(sample.getCleanPng().isEmpty()).isTrue();
      }
    }
  }

  @Test
  void rankedSet_pagesByOffset() {
    IsolationResult isolation = isolation(ranked);

    GetSampleImagesResponse page =
        images(request(ranked, SampleSet.SAMPLE_SET_RANKED).setOffset(10).setMaxImages(5));

    assertThat(page.getTotalCount()).isEqualTo(isolation.getIndicesCount());
    assertThat(page.getNextOffset()).isEqualTo(15);
    assertThat(page.getImagesList())
        .extracting(SampleImage::getIndex)
        .isEqualTo(isolation.getIndicesList().subList(10, 15));
  }

  @Test
  void backdoorCheck_ascendedAndSuspectSetsHaveTheVerdictsSizes() {
    BackdoorVerdict verdict = isolation(checked).getVerdict();

    GetSampleImagesResponse ascended =
        images(request(checked, SampleSet.SAMPLE_SET_ISOLATED).setMaxImages(256));
    GetSampleImagesResponse suspects =
        images(request(checked, SampleSet.SAMPLE_SET_SUSPECTS).setMaxImages(256));

    assertThat(verdict.getTested()).isTrue();
    assertThat(ascended.getTotalCount()).isEqualTo(verdict.getAscendedCount());
    assertThat(suspects.getTotalCount()).isEqualTo(verdict.getSuspectCount());
    assertThat(suspects.getImagesList()).extracting(SampleImage::getIndex).isSorted();
    assertThat(ascended.getImagesList()).extracting(SampleImage::getIndex).doesNotHaveDuplicates();
    IsolationResult isolation = isolation(checked);
    assertThat(isolation.getAscendedIndicesList()).isSorted().containsExactlyInAnyOrderElementsOf(
        ascended.getImagesList().stream().map(SampleImage::getIndex).toList());
    assertThat(isolation.getSuspectIndicesList()).isEqualTo(
        suspects.getImagesList().stream().map(SampleImage::getIndex).toList());
  }

  @Test
  void classSet_holdsOnlyThatTrainingLabel() throws IOException {
    GetSampleImagesResponse response =
        images(request(ranked, SampleSet.SAMPLE_SET_CLASS).setLabel(TARGET).setMaxImages(30));

    assertThat(response.getImagesCount()).isEqualTo(30);
    assertThat(response.getTotalCount()).isGreaterThan(100); // the class plus its poisons
    assertThat(response.getImagesList()).allMatch(s -> s.getLabel() == TARGET);
    assertThat(response.getImagesList()).extracting(SampleImage::getIndex).isSorted();
    assertThat(png(response.getImages(0).getPng()).getWidth()).isEqualTo(28);
  }

  @Test
  void testSet_pairsEachTriggeredImageWithItsCleanOne() throws IOException {
    GetSampleImagesResponse response =
        images(request(ranked, SampleSet.SAMPLE_SET_TEST).setMaxImages(8));

    assertThat(response.getImagesCount()).isEqualTo(8);
    assertThat(response.getTotalCount()).isBetween(150, 190); // 200 test images, not the target's
    for (SampleImage sample : response.getImagesList()) {
      assertThat(sample.getPoisoned()).isTrue();
      assertThat(sample.getLabel()).isNotEqualTo(TARGET).isEqualTo(sample.getTrueLabel());
      BufferedImage triggered = png(sample.getPng());
      BufferedImage clean = png(sample.getCleanPng());
      assertThat(triggered.getRaster().getSample(26, 26, 0)).isEqualTo(255);
      assertThat(clean.getWidth()).isEqualTo(triggered.getWidth()).isEqualTo(28);
      assertThat(sample.getPng()).isNotEqualTo(sample.getCleanPng());
    }
  }

  @Test
  void requestsPastTheBound_areInvalid() {
    assertStatus(
        () -> images(request(ranked, SampleSet.SAMPLE_SET_ISOLATED).setMaxImages(257)),
        Status.Code.INVALID_ARGUMENT, "max_images must be in [0, 256]");
    GetSampleImagesRequest.Builder tooMany = request(ranked, SampleSet.SAMPLE_SET_TRAIN);
    for (int i = 0; i < 257; i++) {
      tooMany.addIndices(i);
    }
    assertStatus(() -> images(tooMany), Status.Code.INVALID_ARGUMENT, "at most 256");
    assertStatus(
        () -> images(request(ranked, SampleSet.SAMPLE_SET_TRAIN).addIndices(1000)),
        Status.Code.INVALID_ARGUMENT, "[0, 1000)");
    assertStatus(
        () -> images(request(ranked, SampleSet.SAMPLE_SET_UNSPECIFIED)),
        Status.Code.INVALID_ARGUMENT, "set must be one of");
    assertStatus(
        () -> images(request(ranked, SampleSet.SAMPLE_SET_CLASS).setLabel(10)),
        Status.Code.INVALID_ARGUMENT, "label must be in [0, 10)");
    assertStatus(
        () -> images(GetSampleImagesRequest.newBuilder().setSessionId("nope")
            .setSet(SampleSet.SAMPLE_SET_TEST)),
        Status.Code.NOT_FOUND, "nope");
  }

  @Test
  void configuredDatasets_listFashionMnistWithItsShapeOnceLoaded() {
    List<Dataset> configured =
        DatasetServiceGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listConfiguredDatasets(ListConfiguredDatasetsRequest.getDefaultInstance())
            .getDatasetsList();

    Dataset fashion =
        configured.stream().filter(d -> d.getId().equals("fashion-mnist")).findFirst().orElseThrow();
    assertThat(fashion.getName()).isEqualTo("fashion-mnist");
    assertThat(fashion.getLayout()).isEqualTo("IDX");
    assertThat(fashion.getOwner()).isEmpty();
    // The sessions above loaded it.
    assertThat(fashion.getTrainSamples()).isEqualTo(60000);
    assertThat(fashion.getNumClasses()).isEqualTo(10);
    assertThat(fashion.getHeightPx()).isEqualTo(28);
  }
}
