package dev.switchboard.support;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Leaks are found
 * when leaked buffers are garbage-collected and a later allocation polls the detector, so
 * this collects garbage and allocates a few buffers before looking. Registered for every
 * test class through JUnit's extension auto-detection
 * (src/test/resources/META-INF/services).
 */
public class LeakCheckExtension implements AfterAllCallback {

	@Override
	public void afterAll(ExtensionContext context) throws InterruptedException {
		for (int round = 0; round < 3; round++) {
			System.gc();
			Thread.sleep(50); // lets the reference queue fill; a bounded, fixed number of
								// rounds
			List<ByteBuf> probes = new ArrayList<>();
			for (int i = 0; i < 16; i++) {
				probes.add(PooledByteBufAllocator.DEFAULT.buffer(16));
				probes.add(UnpooledByteBufAllocator.DEFAULT.buffer(16));
			}
			probes.forEach(ByteBuf::release);
		}
		if (!LeakRecordingDetector.LEAKS.isEmpty()) {
			List<String> leaks = new ArrayList<>(LeakRecordingDetector.LEAKS);
			LeakRecordingDetector.LEAKS.clear();
			throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported during " + context.getDisplayName()
					+ ":\n" + String.join("\n\n", leaks));
		}
	}

}
