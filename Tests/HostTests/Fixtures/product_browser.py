#!/usr/bin/env python3
"""Opens a storefront product page in headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium), checks what a shopper and a search engine see, and saves a screenshot.

usage: product_browser.py PRODUCT_URL SCREENSHOT_PNG EXPECTED_TEXT...
Prints one line per check; exits 1 on the first failed check."""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url, screenshot, *expected = sys.argv[1:]
options = webdriver.ChromeOptions()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(url)
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    body = driver.find_element(By.TAG_NAME, "body").text
    for want in expected:
        if want not in body:
            print(f"FAIL: the page shows no {want!r}; it shows: {body[:800]!r}")
            sys.exit(1)
        print("ok: shows", want)
    ld = [json.loads(s.get_attribute("innerHTML")) for s in driver.find_elements(By.CSS_SELECTOR, "script[type='application/ld+json']")]
    products = [d for d in ld if d.get("@type") == "Product"]
    if not products:
        print("FAIL: no JSON-LD Product on the page")
        sys.exit(1)
    print("ok: JSON-LD Product", products[0].get("name"))
    driver.save_screenshot(screenshot)
    print("screenshot:", screenshot)
finally:
    driver.quit()
