"""Property tests of the write path's input schemas: any JSON is either parsed or refused with a
per-field message — never another exception (which would be a 500)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webgis.buildings.schemas import DemolishInput, NewBuildingInput, NewHouseholdInput
from webgis.errors import ValidationFailed
from webgis.people.schemas import MovePersonInput
from webgis.schemas import parse
from webgis.visits.schemas import BatchSignInput, RegistrationInput, VerificationInput

SCHEMAS = (RegistrationInput, VerificationInput, BatchSignInput, NewBuildingInput, DemolishInput, NewHouseholdInput,
           MovePersonInput)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70) | \
    st.floats(allow_nan=True) | st.text(max_size=30)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)
FIELDS = ["client_uuid", "household", "members", "visit", "version", "house_nature", "name", "gender", "id_number",
          "phone", "relation", "category", "result", "awareness", "geometry", "address_form", "floors", "room",
          "visit_id", "outcome", "note", "items", "to_household_id", "person_id", "type", "coordinates"]
shaped = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                      st.dictionaries(st.sampled_from(FIELDS), inner, max_size=8), max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SCHEMAS), json_values | shaped)
def test_any_json_is_parsed_or_refused_with_field_messages(schema, body):
    try:
        parse(schema, body)
    except ValidationFailed as exc:
        assert exc.details and all(isinstance(k, str) and isinstance(v, str) and v for k, v in exc.details.items())
