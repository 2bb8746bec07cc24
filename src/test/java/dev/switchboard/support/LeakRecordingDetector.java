package dev.switchboard.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector, made to remember what it reports so tests can fail on it.
 * Installed for the whole test run with {@code -Dio.netty.customResourceLeakDetector}
 * (see pom.xml) at paranoid level.
 */
public class LeakRecordingDetector<T> extends ResourceLeakDetector<T> {

	static final List<String> LEAKS = new CopyOnWriteArrayList<>();

	public LeakRecordingDetector(Class<?> resourceType, int samplingInterval) {
		super(resourceType, samplingInterval);
	}

	public LeakRecordingDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
		super(resourceType, samplingInterval, maxActive);
	}

	@Override
	protected void reportTracedLeak(String resourceType, String records) {
		LEAKS.add(resourceType + " leaked:" + records);
		super.reportTracedLeak(resourceType, records);
	}

	@Override
	protected void reportUntracedLeak(String resourceType) {
		LEAKS.add(resourceType + " leaked (no records)");
		super.reportUntracedLeak(resourceType);
	}

}
