//! Cases from dotprompt's spec suite (`spec/picoschema.yaml`) and its unit tests.

use super::*;

fn yaml(text: &str) -> Value {
    yaml_serde::from_str(text).expect("test fixture is valid YAML")
}

fn compile_with(schema: &str, schemas: &str) -> Result<Option<Value>, PicoschemaError> {
    let schemas = yaml(schemas);
    let resolver = |name: &str| schemas.get(name).cloned();
    compile(&yaml(schema), &resolver)
}

#[track_caller]
fn check(schema: &str, expected: &str) {
    check_with(schema, "{}", expected);
}

#[track_caller]
fn check_with(schema: &str, schemas: &str, expected: &str) {
    let actual = compile_with(schema, schemas)
        .expect("compiles")
        .expect("not empty");
    assert_eq!(actual, yaml(expected), "\nactual: {actual:#}");
}

#[test]
fn scalar_with_and_without_description() {
    check("string", "{type: string}");
    check(
        "number, the description",
        "{type: number, description: the description}",
    );
    check(
        "number,the description",
        "{type: number, description: the description}",
    );
    check(
        "number,    the description",
        "{type: number, description: the description}",
    );
    check(
        "number,the description, which has, multiple commas",
        "{type: number, description: 'the description, which has, multiple commas'}",
    );
}

#[test]
fn simple_object_is_closed_and_all_required() {
    check(
        "{field1: boolean, field2: string}",
        "{type: object, properties: {field1: {type: boolean}, field2: {type: string}},
          required: [field1, field2], additionalProperties: false}",
    );
}

#[test]
fn optional_fields_are_not_required_and_are_nullable() {
    check(
        "{req: 'string, required field', nonreq?: 'boolean, optional field'}",
        "{type: object, additionalProperties: false, required: [req], properties: {
           req: {type: string, description: required field},
           nonreq: {type: [boolean, 'null'], description: optional field}}}",
    );
}

#[test]
fn arrays_of_scalars_carry_the_key_description() {
    check(
        "{'tags(array, list of tags)': 'string, the tag', 'vector(array)': number}",
        "{type: object, additionalProperties: false, required: [tags, vector], properties: {
           tags: {type: array, description: list of tags, items: {type: string, description: the tag}},
           vector: {type: array, items: {type: number}}}}",
    );
}

#[test]
fn nested_objects_in_arrays_and_out() {
    check(
        "{'obj?(object, a nested object)': {nest1?: string},
          'arr(array, array of objects)': {nest2?: boolean}}",
        "{type: object, additionalProperties: false, required: [arr], properties: {
           obj: {type: [object, 'null'], description: a nested object, additionalProperties: false,
                 properties: {nest1: {type: [string, 'null']}}},
           arr: {type: array, description: array of objects, items: {type: object,
                 additionalProperties: false, properties: {nest2: {type: [boolean, 'null']}}}}}}",
    );
}

#[test]
fn plain_json_schema_passes_through() {
    check("{type: string}", "{type: string}");
    check(
        "{type: string, format: email}",
        "{type: string, format: email}",
    );
    check(
        "{properties: {foo: {type: string}}}",
        "{type: object, properties: {foo: {type: string}}}",
    );
}

#[test]
fn enums_get_null_when_optional_and_never_a_type() {
    check(
        "{'color?(enum, the enum)': [RED, BLUE, GREEN]}",
        "{type: object, additionalProperties: false, properties: {
           color: {description: the enum, enum: [RED, BLUE, GREEN, null]}}}",
    );
    check(
        "{'status(enum)': [ACTIVE, INACTIVE]}",
        "{type: object, additionalProperties: false, required: [status],
          properties: {status: {enum: [ACTIVE, INACTIVE]}}}",
    );
    check(
        "{'c?(enum)': [RED, null, BLUE]}",
        "{type: object, additionalProperties: false, properties: {c: {enum: [RED, null, BLUE]}}}",
    );
}

#[test]
fn any_has_no_type_even_when_optional() {
    check(
        "{first: any, second?: 'any, could be anything'}",
        "{type: object, additionalProperties: false, required: [first], properties: {
           first: {}, second: {description: could be anything}}}",
    );
    check("any", "{}");
}

#[test]
fn wildcard_replaces_additional_properties() {
    check(
        "{otherField: 'string, another string', '(*)': 'any, whatever you want'}",
        "{type: object, required: [otherField], additionalProperties: {description: whatever you want},
          properties: {otherField: {type: string, description: another string}}}",
    );
    check(
        "{'(*)': 'number, lucky number'}",
        "{type: object, properties: {}, additionalProperties: {type: number, description: lucky number}}",
    );
}

#[test]
fn named_schemas_are_inlined_and_descriptions_override() {
    let foo = "{Foo: {type: number, description: a foo}}";
    check_with(
        "Foo, an overridden foo",
        foo,
        "{type: number, description: an overridden foo}",
    );
    check_with(
        "{foo: Foo, foo2?: 'Foo, this one is optional'}",
        foo,
        "{type: object, additionalProperties: false, required: [foo], properties: {
           foo: {type: number, description: a foo},
           foo2: {type: [number, 'null'], description: this one is optional}}}",
    );
}

#[test]
fn nested_arrays_and_mappings_without_parentheses() {
    check(
        "{'items(array)': {'props(array)': string}}",
        "{type: object, additionalProperties: false, required: [items], properties: {
           items: {type: array, items: {type: object, additionalProperties: false, required: [props],
                   properties: {props: {type: array, items: {type: string}}}}}}}",
    );
    check(
        "{user: {name: string, contact: {email: string, phone?: string}}}",
        "{type: object, additionalProperties: false, required: [user], properties: {
           user: {type: object, additionalProperties: false, required: [name, contact], properties: {
             name: {type: string},
             contact: {type: object, additionalProperties: false, required: [email], properties: {
               email: {type: string}, phone: {type: [string, 'null']}}}}}}}",
    );
}

#[test]
fn generated_keys_keep_the_reference_order() {
    let schema = compile_with("{a: string, 'b?(array, d)': number}", "{}")
        .unwrap()
        .unwrap();
    let keys: Vec<_> = schema.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["type", "properties", "required", "additionalProperties"]
    );
    let b: Vec<_> = schema["properties"]["b"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(b, ["type", "items", "description"]);
}

#[test]
fn keys_are_not_trimmed_like_the_reference() {
    let schema = compile_with("{'name (array)': string}", "{}")
        .unwrap()
        .unwrap();
    assert!(schema["properties"].get("name ").is_some(), "{schema}");
    let key = FieldKey::parse("tags(array, list (of) tags)");
    assert_eq!(key.parenthetical, Some("array, list"));
}

#[test]
fn empty_schemas_compile_to_nothing() {
    assert_eq!(compile_with("null", "{}").unwrap(), None);
    assert_eq!(compile_with("''", "{}").unwrap(), None);
}

#[test]
fn errors_name_the_problem_and_the_path() {
    let err = compile_with("{a: {b: 123}}", "{}").unwrap_err();
    assert_eq!(
        err.message,
        "Picoschema: only consists of objects and strings. Got: 123"
    );
    assert_eq!(err.path, ["a", "b"]);
    assert_eq!(err.kind, PicoschemaErrorKind::NotObjectOrString);

    let err = compile_with("{'f(invalid)': string}", "{}").unwrap_err();
    assert_eq!(
        err.message,
        "Picoschema: parenthetical types must be 'object' or 'array', got: invalid"
    );

    let err = compile_with("{f: CustomType}", "{}").unwrap_err();
    assert_eq!(
        err.message,
        "Picoschema: could not find schema with name 'CustomType'"
    );
    assert_eq!(err.kind, PicoschemaErrorKind::UnknownType);

    let err = compile_with("{'e(enum)': RED}", "{}").unwrap_err();
    assert_eq!(err.kind, PicoschemaErrorKind::EnumNotAList);
}

#[test]
fn a_field_with_no_value_is_an_error_not_an_empty_object() {
    let err = compile_with("{field: null}", "{}").unwrap_err();
    assert_eq!(err.kind, PicoschemaErrorKind::NotObjectOrString);
}
