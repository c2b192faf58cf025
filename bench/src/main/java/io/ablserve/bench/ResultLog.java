package io.ablserve.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends one JSON object per line to a results file (and echoes it), for bench/speed_table.py. */
final class ResultLog {
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
  private final Path file;

  ResultLog(Path file) {
    this.file = file;
  }

  /** A row with the fields every row carries: engine, threads. */
  static Map<String, Object> row(String bench) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("bench", bench);
    row.put("engine", "ablserve");
    row.put("engine_version", "DJL " + ai.djl.engine.Engine.getDjlVersion() + ", libtorch "
        + ai.djl.engine.Engine.getInstance().getVersion());
    row.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", -1));
    row.put("interop_threads", Integer.getInteger("ai.djl.pytorch.num_interop_threads", -1));
    return row;
  }

  void write(Map<String, Object> row) throws IOException {
    String line = GSON.toJson(row);
    System.out.println(line);
    if (file != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }
}
