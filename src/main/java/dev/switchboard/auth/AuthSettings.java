package dev.switchboard.auth;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.switchboard.config.InvalidSettingsException;

import static dev.switchboard.config.SettingChecks.notNegative;

/**
 * Who may open a tunnel on a route: {@code switchboard.*} globally, and per route under
 * {@code metadata.switchboard.*} with the same names.
 *
 * @param auth none, or jwt: every request on the route needs a valid JWT (401 with
 * WWW-Authenticate otherwise), and a tunnel ends with 1008 "token expired" when its token
 * does
 * @param jwtIssuerUri Issuer whose tokens are accepted; its keys are found through its
 * OpenID configuration, and the iss claim must match
 * @param jwtJwkSetUri Where the signing keys are (JWKS), when the issuer publishes no
 * OpenID configuration; with jwt-issuer-uri too, the iss claim is still checked
 * @param jwtAudiences Accepted audiences: a token must name one of them in aud. Empty:
 * aud is not checked
 * @param tokenCookie Cookie a browser's token may come in, when there is no Authorization
 * header. Empty: none
 * @param tokenQueryParameter Query parameter a token may come in (for short-lived tickets
 * only: URLs end up in histories and logs). It is removed before the request goes on and
 * never logged. Empty: none
 * @param tokenExpiryGrace How long after its token's exp a tunnel may go on before it is
 * closed with 1008 "token expired"
 * @param subjectHeader Header that carries the token's subject (sub) to the backend; a
 * client's own copy is always removed. Empty: not sent
 * @param claimHeaders Claims passed to the backend, claim name to header name; a client's
 * own copies of these headers are always removed
 */
@ConfigurationProperties("switchboard")
public record AuthSettings(@DefaultValue("none") AuthMode auth, @DefaultValue("") String jwtIssuerUri,
		@DefaultValue("") String jwtJwkSetUri, @DefaultValue List<String> jwtAudiences,
		@DefaultValue("") String tokenCookie, @DefaultValue("") String tokenQueryParameter,
		@DefaultValue("0s") Duration tokenExpiryGrace, @DefaultValue("X-Auth-Subject") String subjectHeader,
		@DefaultValue Map<String, String> claimHeaders) {

	public boolean jwt() {
		return this.auth == AuthMode.JWT;
	}

	/**
	 * Refuses a JWT route that names no keys, naming the property as the user spelled it.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 */
	public void check(String prefix) {
		String p = prefix + "switchboard.";
		notNegative(p + "token-expiry-grace", this.tokenExpiryGrace);
		if (jwt() && this.jwtIssuerUri.isBlank() && this.jwtJwkSetUri.isBlank()) {
			throw new InvalidSettingsException(p + "auth is jwt but neither " + p + "jwt-issuer-uri nor " + p
					+ "jwt-jwk-set-uri is set: name the issuer (its keys are found through its OpenID configuration)"
					+ " or the JWKS URL", null);
		}
	}

}
