package dev.switchboard.forwarded;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What backends learn about the client (forwarded headers, the original Host) and whose
 * word is believed.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ForwardedProperties.class)
class ForwardedConfiguration {

	@Bean
	ClientOrigin switchboardClientOrigin(ForwardedProperties properties) {
		return new ClientOrigin(TrustedProxies.parse(properties.getTrustedProxies()));
	}

	@Bean
	ForwardedHeadersFilter switchboardForwardedHeadersFilter(ForwardedProperties properties, ClientOrigin origin) {
		return new ForwardedHeadersFilter(properties.getMode(), origin);
	}

	@Bean
	@ConditionalOnProperty(name = "switchboard.forwarded.preserve-host", matchIfMissing = true)
	PreserveHostFilter switchboardPreserveHostFilter() {
		return new PreserveHostFilter();
	}

}
