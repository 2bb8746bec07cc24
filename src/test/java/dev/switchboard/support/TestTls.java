package dev.switchboard.support;

import java.io.File;
import java.net.URISyntaxException;

/** The self-signed test certificate in src/test/resources/tls. */
public final class TestTls {

	private TestTls() {
	}

	public static File certificate() {
		return file("tls/cert.pem");
	}

	public static File privateKey() {
		return file("tls/key.pem");
	}

	private static File file(String resource) {
		try {
			return new File(TestTls.class.getClassLoader().getResource(resource).toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
