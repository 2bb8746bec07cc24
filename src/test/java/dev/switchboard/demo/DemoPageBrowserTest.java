package dev.switchboard.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.HeadlessChromium;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as a newcomer sees it: the page at {@code /} in a real headless Chromium opens
 * a WebSocket through the gateway to an in-process echo backend and shows the echo
 * ({@link HeadlessChromium}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("demo")
class DemoPageBrowserTest {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void freeEchoPorts(DynamicPropertyRegistry registry) throws IOException {
		int portA = freePort();
		int portB = freePort();
		registry.add("demo.echo-a-port", () -> portA);
		registry.add("demo.echo-b-port", () -> portB);
	}

	@Test
	void thePageEchoesThroughTheGateway() {
		ChromeDriver browser = HeadlessChromium.start();
		try {
			browser.get("http://127.0.0.1:" + this.port + "/");
			new WebDriverWait(browser, Duration.ofSeconds(20))
				.withMessage(() -> "page status '" + browser.findElement(By.id("status")).getText() + "', log '"
						+ browser.findElement(By.id("log")).getText() + "'")
				.until((driver) -> "echo received".equals(driver.findElement(By.id("status")).getText()));
			assertThat(browser.findElement(By.id("log")).getText())
				.matches("received: \\[echo-[ab]\\] hello, switchboard");
		}
		finally {
			browser.quit();
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
