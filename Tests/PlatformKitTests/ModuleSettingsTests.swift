import EOPPlatformKit
import Foundation
import Testing

@Suite("ModuleSettings")
struct ModuleSettingsTests {
    let schema: SettingsSchema

    init() throws {
        schema = try SettingsSchema(json: Data(exampleSchemaJSON.utf8))
    }

    @Test("defaults are applied for absent and null values")
    func defaultsApplied() throws {
        let settings = try ModuleSettings.resolve(schema: schema, json: Data(#"{"api_key": "k-123", "retries": null}"#.utf8))
        #expect(settings.value(for: "greeting") == .string("Hello"))
        #expect(settings.value(for: "retries") == .integer(3))
        #expect(settings.value(for: "enabled") == .boolean(true))
        #expect(settings.value(for: "fee") == .money(Money(minorUnits: 500, currency: .usd)))
        #expect(settings.value(for: "currency") == .currency(.usd))
        #expect(settings.value(for: "rate") == nil)
        #expect(settings.value(for: "mode") == nil)
        #expect(settings.value(for: "api_key")?.stringValue == "k-123")
    }

    @Test("given values override defaults and are typed")
    func givenValuesOverride() throws {
        let settings = try ModuleSettings.resolve(schema: schema, values: [
            "api_key": "k", "retries": 10, "rate": 2, "enabled": false, "mode": "b",
            "fee": ["amount": 1234, "currency": "KWD"], "currency": "bdt", "greeting": "Hi",
        ])
        #expect(settings.value(for: "retries")?.integerValue == 10)
        #expect(settings.value(for: "rate")?.numberValue == 2.0)
        #expect(settings.value(for: "enabled")?.booleanValue == false)
        #expect(settings.value(for: "mode") == .string("b"))
        #expect(settings.value(for: "fee")?.moneyValue == Money(minorUnits: 1234, currency: .kwd))
        #expect(settings.value(for: "currency")?.currencyValue == .bdt)
        #expect(settings.value(for: "greeting") == .string("Hi"))
    }

    @Test("Swift Money, Currency and JSONSerialization values are accepted")
    func swiftAndFoundationValuesAccepted() throws {
        let settings = try ModuleSettings.resolve(schema: schema, values: [
            "api_key": "k", "fee": Money(minorUnits: 9, currency: .eur), "currency": Currency.inr,
        ])
        #expect(settings.value(for: "fee") == .money(Money(minorUnits: 9, currency: .eur)))
        #expect(settings.value(for: "currency") == .currency(.inr))
        let object = try JSONSerialization.jsonObject(with: Data(#"{"api_key":"k","enabled":false,"retries":1,"rate":0.5}"#.utf8)) as! [String: Any]
        let fromFoundation = try ModuleSettings.resolve(schema: schema, values: object)
        #expect(fromFoundation.value(for: "enabled") == .boolean(false))
        #expect(fromFoundation.value(for: "retries") == .integer(1))
        #expect(fromFoundation.value(for: "rate") == .number(0.5))
    }

    @Test("each rejected value throws SettingsError with key, reason and message", arguments: [
        (#"{"api_key": "k", "retries": 12}"#, "retries", SettingsError.Kind.constraintViolated, "setting 'retries': 12 is above the maximum 10"),
        (#"{"api_key": "k", "retries": -1}"#, "retries", .constraintViolated, "setting 'retries': -1 is below the minimum 0"),
        (#"{"api_key": "k", "retries": "3"}"#, "retries", .wrongType, "setting 'retries': \"3\" is not an integer"),
        (#"{"api_key": "k", "retries": 1.5}"#, "retries", .wrongType, "setting 'retries': 1.5 is not an integer"),
        (#"{"api_key": "k", "enabled": 1}"#, "enabled", .wrongType, "setting 'enabled': 1 is not a boolean"),
        (#"{"api_key": "k", "rate": "fast"}"#, "rate", .wrongType, "setting 'rate': \"fast\" is not a finite number"),
        (#"{"api_key": "k", "greeting": ""}"#, "greeting", .constraintViolated, "setting 'greeting': \"\" is shorter than the minimum length 1"),
        (#"{"api_key": "k", "mode": "c"}"#, "mode", .constraintViolated, "setting 'mode': \"c\" is not one of \"a\", \"b\""),
        (#"{"api_key": "k", "currency": "XYZ"}"#, "currency", .constraintViolated, "setting 'currency': \"XYZ\" is not a known ISO 4217 currency code"),
        (#"{"api_key": "k", "fee": {"amount": 5.5, "currency": "USD"}}"#, "fee", .wrongType, "setting 'fee': {\"amount\":5.5,\"currency\":\"USD\"} has a non-integer amount (amounts are in minor units)"),
        (#"{"api_key": "k", "fee": {"amount": 5, "currency": "ZZZ"}}"#, "fee", .constraintViolated, "setting 'fee': {\"amount\":5,\"currency\":\"ZZZ\"} has an unknown currency code"),
        (#"{"api_key": "k", "colour": "red"}"#, "colour", .unknownKey, "setting 'colour': is not declared in the schema"),
        (#"{"retries": 3}"#, "api_key", .missingRequired, "setting 'api_key': is required but has no value"),
        (#"{"api_key": null}"#, "api_key", .missingRequired, "setting 'api_key': is required but has no value"),
        (#"[1, 2]"#, "", .invalidDocument, "settings: the settings values must be a JSON object, got an array"),
    ])
    func rejectedValueThrows(json: String, key: String, kind: SettingsError.Kind, message: String) {
        let error = #expect(throws: SettingsError.self) { try ModuleSettings.resolve(schema: schema, json: Data(json.utf8)) }
        #expect(error?.key == key)
        #expect(error?.kind == kind)
        #expect(error?.description == message)
    }

    @Test("dictionary values with unsupported Swift types are rejected")
    func unsupportedSwiftTypeRejected() {
        let error = #expect(throws: SettingsError.self) {
            try ModuleSettings.resolve(schema: schema, values: ["api_key": "k", "rate": Date()])
        }
        #expect(error?.key == "rate")
        #expect(error?.kind == .wrongType)
    }

    @Test("jsonValue encodes each type as JSON text")
    func jsonValueEncodesTypes() throws {
        let settings = try ModuleSettings.resolve(schema: schema, values: ["api_key": "k\"q", "rate": 0.25])
        func text(_ key: String) -> String? { settings.jsonValue(for: key).map { String(decoding: $0, as: UTF8.self) } }
        #expect(text("greeting") == #""Hello""#)
        #expect(text("retries") == "3")
        #expect(text("rate") == "0.25")
        #expect(text("enabled") == "true")
        #expect(text("fee") == #"{"amount":500,"currency":"USD"}"#)
        #expect(text("currency") == #""USD""#)
        #expect(text("api_key") == #""k\"q""#)
        #expect(text("mode") == nil)
        let decoded = try JSONDecoder().decode(Money.self, from: #require(settings.jsonValue(for: "fee")))
        #expect(decoded == Money(minorUnits: 500, currency: .usd))
    }

    @Test("secrets are redacted in every printed form and error message")
    func secretsRedacted() throws {
        let secret = "sk_live_TOPSECRET"
        let settings = try ModuleSettings.resolve(schema: schema, values: ["api_key": secret, "retries": 4])
        #expect(settings.isSecret("api_key"))
        #expect(settings.redactedDescription == "api_key=<redacted>, currency=USD, enabled=true, fee=$5.00, greeting=\"Hello\", retries=4")
        for printed in [settings.description, settings.debugDescription, "\(settings)", String(reflecting: settings)] {
            #expect(!printed.contains("TOPSECRET"))
            #expect(printed.contains("api_key=<redacted>"))
        }
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains("TOPSECRET"))

        let limited = try SettingsSchema(json: Data(#"{"pin": {"type": "string", "secret": true, "maxLength": 4, "enum": ["1234"]}}"#.utf8))
        for bad: Any in ["123456", 98765, "9999"] {
            let error = #expect(throws: SettingsError.self) { try ModuleSettings.resolve(schema: limited, values: ["pin": bad]) }
            let message = error?.description ?? ""
            #expect(message.hasPrefix("setting 'pin': the secret value"))
            #expect(!message.contains("\(bad)") && !message.contains("1234"))
        }
    }
}
