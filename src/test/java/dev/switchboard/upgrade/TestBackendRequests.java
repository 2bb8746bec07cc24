package dev.switchboard.upgrade;

import dev.switchboard.support.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;

final class TestBackendRequests {

	private TestBackendRequests() {
	}

	/**
	 * Everything the backend received up to the marker: the refused URI must not be among
	 * it.
	 */
	static void assertNextIsMarker(TestBackend backend, String refusedUri, String markerUri)
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
