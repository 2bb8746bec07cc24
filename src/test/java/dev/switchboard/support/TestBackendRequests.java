package dev.switchboard.support;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a {@link TestBackend} received, for tests that prove a request was never
 * forwarded.
 */
public final class TestBackendRequests {

	private TestBackendRequests() {
	}

	/**
	 * Everything the backend received up to the marker: the refused URI must not be among
	 * it.
	 */
	public static void assertNextIsMarker(TestBackend backend, String refusedUri, String markerUri)
			throws InterruptedException {
		while (true) {
			TestBackend.Request request = backend.awaitRequest("/");
			assertThat(request.uri()).isNotEqualTo(refusedUri);
			if (request.uri().equals(markerUri)) {
				return;
			}
		}
	}

}
