//! The fields a recommendation (kiến nghị) is filed under.

code_list!(Field {
    LandRecovery => "land_recovery",
    LandCertificates => "land_certificates",
    Staffing => "staffing",
    Finance => "finance",
    Infrastructure => "infrastructure",
    Other => "other",
});
