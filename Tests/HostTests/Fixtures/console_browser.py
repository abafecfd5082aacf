#!/usr/bin/env python3
"""Opens the operator console in headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium), signs in, checks the plugin table, and saves a screenshot.

usage: console_browser.py BASE_URL EMAIL PASSWORD SCREENSHOT_PNG EXPECTED_ROW...
Prints one line per check; exits 1 on the first failed check."""
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, email, password, screenshot, *expected = sys.argv[1:]
options = webdriver.ChromeOptions()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000"):
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(base + "/admin")
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.NAME, "email")))
    print("redirected to login:", driver.current_url)
    assert driver.current_url.endswith("/admin/login"), driver.current_url
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit], form input[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table tbody tr")))
    driver.save_screenshot(screenshot)
    print("screenshot:", screenshot)
    rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
    print("rows:", len(rows))
    for want in expected:
        module, state = want.split("=", 1)
        # A row is a module's when one of its elements shows exactly the module id.
        match = [r.text for r in rows if r.find_elements(By.XPATH, f".//*[normalize-space(text())='{module}']")]
        if not match:
            print(f"FAIL: no row for {module}; rows: {[r.text for r in rows]}")
            sys.exit(1)
        if state not in match[0]:
            print(f"FAIL: {module} row has no '{state}': {match[0]!r}")
            sys.exit(1)
        print("ok:", module, state)
finally:
    driver.quit()
