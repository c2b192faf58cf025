package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class SlotMemoryTest {

  @Test
  void onACpu_theProcessResidentSetAndNoGpuFigures() {
    SlotMemory memory = SlotMemory.sample(Device.cpu());

    long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(memory.residentBytes()).as("a JVM holds at least its used heap").isGreaterThan(heap);
    assertThat(memory.residentBytes()).isLessThan(64L << 30);
    assertThat(memory.gpuUsedBytes()).isZero();
    assertThat(memory.gpuTotalBytes()).isZero();
  }

  @Test
  void onAGpu_itsMemoryInUseAndTotal_andOnAHostWithoutOne_noneAndNoError() {
    SlotMemory memory = SlotMemory.sample(Device.gpu(0));

    assertThat(memory.residentBytes()).isPositive();
    if (Engine.getInstance().getGpuCount() > 0) {
      assertThat(memory.gpuTotalBytes()).isPositive();
      assertThat(memory.gpuUsedBytes()).isBetween(1L, memory.gpuTotalBytes());
    } else {
      assertThat(memory.gpuUsedBytes()).isZero();
      assertThat(memory.gpuTotalBytes()).isZero();
    }
  }
}
