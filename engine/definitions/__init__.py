"""Deploy-time parsing and validation of BPMN/DMN bundles."""
