import EOPPlatformKit
import Foundation
import Testing

/// The example `settings` object from the manifest documentation.
let exampleSchemaJSON = #"""
{
  "greeting": {"type": "string", "default": "Hello", "description": "Shown on the storefront", "minLength": 1, "maxLength": 80},
  "retries": {"type": "integer", "default": 3, "minimum": 0, "maximum": 10},
  "rate": {"type": "number"},
  "enabled": {"type": "boolean", "default": true},
  "mode": {"type": "string", "enum": ["a", "b"]},
  "fee": {"type": "money", "default": {"amount": 500, "currency": "USD"}},
  "currency": {"type": "currency", "default": "USD"},
  "api_key": {"type": "string", "secret": true, "required": true}
}
"""#

@Suite("SettingsSchema")
struct SettingsSchemaTests {
    @Test("parses the example schema with types, defaults and constraints")
    func parsesExampleSchema() throws {
        let schema = try SettingsSchema(json: Data(exampleSchemaJSON.utf8))
        #expect(schema.keys == ["api_key", "currency", "enabled", "fee", "greeting", "mode", "rate", "retries"])
        let greeting = try #require(schema.definition(for: "greeting"))
        #expect(greeting.type == .string)
        #expect(greeting.defaultValue == .string("Hello"))
        #expect(greeting.summary == "Shown on the storefront")
        #expect(greeting.minLength == 1 && greeting.maxLength == 80)
        #expect(schema.definition(for: "retries")?.maximum == .integer(10))
        #expect(schema.definition(for: "mode")?.allowedValues == [.string("a"), .string("b")])
        #expect(schema.definition(for: "fee")?.defaultValue == .money(Money(minorUnits: 500, currency: .usd)))
        #expect(schema.definition(for: "currency")?.defaultValue == .currency(.usd))
        let apiKey = try #require(schema.definition(for: "api_key"))
        #expect(apiKey.isSecret && apiKey.isRequired)
    }

    @Test("dictionary input and Decodable give the same schema as JSON text")
    func dictionaryAndDecodableMatchJSON() throws {
        let data = Data(exampleSchemaJSON.utf8)
        let fromText = try SettingsSchema(json: data)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(try SettingsSchema(jsonObject: object) == fromText)
        #expect(try JSONDecoder().decode(SettingsSchema.self, from: data) == fromText)
        let reencoded = try JSONEncoder().encode(fromText)
        #expect(try SettingsSchema(json: reencoded) == fromText)
    }

    @Test("malformed schemas throw SettingsError naming the key and reason", arguments: [
        (#"{"when": {"type": "date"}}"#, "setting 'when': unknown type \"date\" (expected one of string, integer, number, boolean, money, currency)"),
        (#"{"retries": {"type": "integer", "default": "three"}}"#, "setting 'retries': default \"three\" is not an integer"),
        (#"{"retries": {"type": "integer", "default": 2.5}}"#, "setting 'retries': default 2.5 is not an integer"),
        (#"{"enabled": {"type": "boolean", "default": "yes"}}"#, "setting 'enabled': default \"yes\" is not a boolean"),
        (#"{"retries": {"type": "integer", "minimum": 10, "maximum": 3}}"#, "setting 'retries': minimum 10 is above maximum 3"),
        (#"{"name": {"type": "string", "minLength": 5, "maxLength": 2}}"#, "setting 'name': minLength 5 is above maxLength 2"),
        (#"{"mode": {"type": "string", "enum": ["a", 3]}}"#, "setting 'mode': enum value 3 is not a string"),
        (#"{"mode": {"type": "string", "enum": []}}"#, "setting 'mode': 'enum' must be a non-empty array, got []"),
        (#"{"retries": {"type": "integer", "default": 12, "maximum": 10}}"#, "setting 'retries': default 12 is above the maximum 10"),
        (#"{"mode": {"type": "string", "enum": ["a"], "default": "c"}}"#, "setting 'mode': default \"c\" is not one of \"a\""),
        (#"{"fee": {"type": "money", "default": 500}}"#, "setting 'fee': default 500 is not a money object {\"amount\": <minor units>, \"currency\": \"<ISO code>\"}"),
        (#"{"currency": {"type": "currency", "default": "XYZ"}}"#, "setting 'currency': default \"XYZ\" is not a known ISO 4217 currency code"),
        (#"{"name": {"type": "integer", "maxLength": 3}}"#, "setting 'name': 'maxLength' does not apply to type integer"),
        (#"{"name": {"type": "string", "minimun": 3}}"#, "setting 'name': unknown property 'minimun'"),
        (#"{"name": {"default": "x"}}"#, "setting 'name': missing 'type'"),
        (#"{"name": "string"}"#, "setting 'name': the declaration must be an object, got a string"),
        (#"{"token": {"type": "string", "secret": true, "default": "s3cr3t"}}"#, "setting 'token': a secret setting cannot declare a default"),
        (#"{"flag": {"type": "boolean", "required": "yes"}}"#, "setting 'flag': 'required' must be a boolean, got \"yes\""),
        (#"{"bad key": {"type": "string"}}"#, "setting 'bad key': a setting key must start with a letter or '_' and contain only letters, digits, '_', '-', '.'"),
        (#"["not", "an", "object"]"#, "settings: the settings schema must be a JSON object, got an array"),
        (#"{"broken": "#, "settings: the settings schema is not valid JSON"),
    ])
    func malformedSchemaThrows(json: String, message: String) {
        let error = #expect(throws: SettingsError.self) { try SettingsSchema(json: Data(json.utf8)) }
        #expect(error?.description == message)
        #expect(error?.kind == .invalidSchema)
    }

    @Test("error fields carry key and reason separately")
    func errorFieldsSeparate() {
        let error = #expect(throws: SettingsError.self) {
            try SettingsSchema(json: Data(#"{"retries": {"type": "integer", "minimum": 10, "maximum": 3}}"#.utf8))
        }
        #expect(error?.key == "retries")
        #expect(error?.reason == "minimum 10 is above maximum 3")
    }
}
