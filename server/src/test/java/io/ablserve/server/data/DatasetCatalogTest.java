package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog's memory: configured datasets stay loaded, uploads only the last few used (#15). */
class DatasetCatalogTest {
  @TempDir Path dir;

  @Test
  void uploads_keepOnlyTheLastFewUsedLoaded_andAreReadAgainOnDemand() throws Exception {
    DatasetCatalog catalog =
        new DatasetCatalog(
            Map.of("configured", IdxFiles.writeSplit(dir.resolve("configured"), 20, 1)),
            DatasetLimits.DEFAULTS, 2);
    DatasetSplit configured = catalog.load(new DatasetRef("configured", 0, 0));
    for (int i = 0; i < 5; i++) {
      catalog.register("up-" + i, IdxFiles.writeSplit(dir.resolve("up-" + i), 20, 10 + i));
      catalog.load(new DatasetRef("up-" + i, 0, 0));
    }

    assertThat(catalog.loadedUploads()).isEqualTo(2);
    assertThat(catalog.configured().get(0).loaded().orElseThrow().train())
        .as("configured datasets stay loaded")
        .isSameAs(configured.train());
    DatasetSplit recent = catalog.load(new DatasetRef("up-4", 0, 0));
    assertThat(catalog.load(new DatasetRef("up-4", 0, 0)).train())
        .as("one copy shared while kept")
        .isSameAs(recent.train());
    DatasetSplit again = catalog.load(new DatasetRef("up-0", 0, 0)); // dropped: read again
    assertThat(again.train().size()).isEqualTo(20);
    assertThat(catalog.loadedUploads()).isEqualTo(2);

    catalog.unregister("up-0");
    assertThat(catalog.loadedUploads()).isEqualTo(1);
  }
}
