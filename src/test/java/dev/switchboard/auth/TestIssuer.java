package dev.switchboard.auth;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * An identity provider on a real socket: its OpenID configuration and its key set (JWKS),
 * and tokens signed in the test with its key, or with a key it never published.
 */
final class TestIssuer implements AutoCloseable {

	private final HttpServer server;

	private final RSAKey key;

	private final RSAKey stranger;

	TestIssuer() {
		try {
			this.key = new RSAKeyGenerator(2048).keyID("issuer-key").generate();
			this.stranger = new RSAKeyGenerator(2048).keyID("issuer-key").generate();
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (JOSEException | IOException ex) {
			throw new IllegalStateException(ex);
		}
		String configuration = "{\"issuer\":\"" + uri() + "\",\"jwks_uri\":\"" + uri() + "/jwks\"}";
		serve("/.well-known/openid-configuration", configuration);
		serve("/jwks", new JWKSet(this.key.toPublicJWK()).toString());
		this.server.start();
	}

	private void serve(String path, String json) {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		this.server.createContext(path, (exchange) -> {
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/**
	 * A token for {@code subject} for the audience {@code chat}, expiring at
	 * {@code expiry}.
	 */
	String token(String subject, Instant expiry, Map<String, Object> claims) {
		return sign(this.key, subject, "chat", expiry, claims);
	}

	String token(String subject, Instant expiry) {
		return token(subject, expiry, Map.of());
	}

	/** A token for another audience. */
	String tokenFor(String audience, String subject, Instant expiry) {
		return sign(this.key, subject, audience, expiry, Map.of());
	}

	/** A token with the issuer's key id, signed with a key the issuer never published. */
	String forgedToken(String subject, Instant expiry) {
		return sign(this.stranger, subject, "chat", expiry, Map.of());
	}

	private String sign(RSAKey signer, String subject, String audience, Instant expiry, Map<String, Object> claims) {
		JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().issuer(uri())
			.subject(subject)
			.audience(audience)
			.issueTime(new Date())
			.expirationTime(Date.from(expiry));
		claims.forEach(set::claim);
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
				set.build());
		try {
			jwt.sign(new RSASSASigner(signer));
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		return jwt.serialize();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
