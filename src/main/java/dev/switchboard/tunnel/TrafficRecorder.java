package dev.switchboard.tunnel;

/**
 * Receives the messages and bytes one direction of a tunnel relayed, once per read (never
 * per frame). Resolved once per tunnel, so recording costs no lookup.
 */
@FunctionalInterface
public interface TrafficRecorder {

	TrafficRecorder NONE = (messages, bytes) -> {
	};

	void record(long messages, long bytes);

}
