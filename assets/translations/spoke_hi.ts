<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="hi_IN">
<context>
    <name>AttachmentsPage</name>
    <message>
        <source>Photo</source>
        <translation>फ़ोटो</translation>
    </message>
    <message>
        <source>Sound recording</source>
        <translation>आवाज़ की रिकॉर्डिंग</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>वीडियो</translation>
    </message>
    <message>
        <source>File</source>
        <translation>फ़ाइल</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>दस्तावेज़</translation>
    </message>
    <message>
        <source>{mb} MB</source>
        <translation>{mb} एमबी</translation>
    </message>
    <message>
        <source>{kb} KB</source>
        <translation>{kb} केबी</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>संलग्न चीज़ें</translation>
    </message>
    <message>
        <source>Photos, recordings and files</source>
        <translation>फ़ोटो, रिकॉर्डिंग और फ़ाइलें</translation>
    </message>
    <message>
        <source>Anything attached here is sent to the doctor with the case. This step can be left empty.</source>
        <translation>यहाँ जो भी जोड़ा जाएगा, वह केस के साथ डॉक्टर को भेजा जाएगा। यह चरण खाली छोड़ा जा सकता है।</translation>
    </message>
    <message>
        <source>Attached to this case:</source>
        <translation>इस केस के साथ जुड़ा है:</translation>
    </message>
    <message>
        <source>Nothing attached yet.</source>
        <translation>अभी कुछ नहीं जोड़ा गया।</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>चुना हुआ हटाएँ</translation>
    </message>
    <message>
        <source>{kind} — {caption} — {size} — added at {time}</source>
        <translation>{kind} — {caption} — {size} — {time} पर जोड़ा गया</translation>
    </message>
    <message>
        <source>no caption</source>
        <translation>कोई विवरण नहीं</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <source>Starting the camera…</source>
        <translation>कैमरा चालू हो रहा है…</translation>
    </message>
    <message>
        <source>The camera is off.</source>
        <translation>कैमरा बंद है।</translation>
    </message>
</context>
<context>
    <name>Capture</name>
    <message>
        <source>No camera was found. Check that it is plugged in.</source>
        <translation>कोई कैमरा नहीं मिला। देखें कि वह लगा हुआ है।</translation>
    </message>
    <message>
        <source>The camera is being used by another program. Close that program (a video call, for example).</source>
        <translation>कैमरा किसी दूसरे प्रोग्राम में चल रहा है। उस प्रोग्राम को बंद करें (जैसे कोई वीडियो कॉल)।</translation>
    </message>
    <message>
        <source>The camera gives no picture. Unplug it and plug it in again.</source>
        <translation>कैमरा से तस्वीर नहीं आ रही। उसे निकालकर दोबारा लगाएँ।</translation>
    </message>
    <message>
        <source>The camera could not be started. Check that it is plugged in, then try again.</source>
        <translation>कैमरा चालू नहीं हो सका। देखें कि वह लगा हुआ है, फिर दोबारा कोशिश करें।</translation>
    </message>
    <message>
        <source>{problem} Then wait: it reconnects by itself.</source>
        <translation>{problem} फिर रुकें: वह अपने आप दोबारा जुड़ जाएगा।</translation>
    </message>
    <message>
        <source>No picture from the camera. Check the cable, then wait: it reconnects by itself.</source>
        <translation>कैमरा से तस्वीर नहीं आ रही। तार देखें, फिर रुकें: वह अपने आप दोबारा जुड़ जाएगा।</translation>
    </message>
    <message>
        <source>The microphone could not be used. Check that it is plugged in and not used by another program, and that the right one is chosen in “Check camera and microphone”.</source>
        <translation>माइक्रोफ़ोन इस्तेमाल नहीं हो सका। देखें कि वह लगा हुआ है और किसी दूसरे प्रोग्राम में नहीं चल रहा, और “कैमरा और माइक्रोफ़ोन जाँचें” में सही माइक्रोफ़ोन चुना गया है।</translation>
    </message>
    <message>
        <source>The sound could not be played. Check that the speakers are plugged in and switched on, and that the right ones are chosen.</source>
        <translation>आवाज़ नहीं चल सकी। देखें कि स्पीकर लगे हुए और चालू हैं, और सही स्पीकर चुने गए हैं।</translation>
    </message>
    <message>
        <source>{mb} MB</source>
        <translation>{mb} एमबी</translation>
    </message>
    <message>
        <source>This file is too large ({size}). Files up to {limit} can be attached. Choose a smaller file, or take a photo of the page instead.</source>
        <translation>यह फ़ाइल बहुत बड़ी है ({size})। {limit} तक की फ़ाइलें जोड़ी जा सकती हैं। छोटी फ़ाइल चुनें, या इसकी जगह पन्ने की फ़ोटो लें।</translation>
    </message>
    <message>
        <source>This kind of file cannot be attached. Choose a PDF, JPEG or PNG file.</source>
        <translation>इस तरह की फ़ाइल नहीं जोड़ी जा सकती। PDF, JPEG या PNG फ़ाइल चुनें।</translation>
    </message>
    <message>
        <source>This file could not be read. Check that the pen drive is still in and the file is not open in another program, then try again.</source>
        <translation>यह फ़ाइल पढ़ी नहीं जा सकी। देखें कि पेन ड्राइव लगी है और फ़ाइल किसी दूसरे प्रोग्राम में खुली नहीं है, फिर दोबारा कोशिश करें।</translation>
    </message>
    <message>
        <source>The device did not work. Check its cable, then try again.</source>
        <translation>यह उपकरण काम नहीं कर रहा। उसका तार देखें, फिर दोबारा कोशिश करें।</translation>
    </message>
    <message>
        <source>The photo looks blurred. Hold the camera still and take it again.</source>
        <translation>फ़ोटो धुंधली लग रही है। कैमरा स्थिर रखें और दोबारा फ़ोटो लें।</translation>
    </message>
    <message>
        <source>The photo is too dark. Turn on a light or move near a window, then take it again.</source>
        <translation>फ़ोटो बहुत अँधेरी है। बत्ती जलाएँ या खिड़की के पास जाएँ, फिर दोबारा फ़ोटो लें।</translation>
    </message>
    <message>
        <source>The photo is too bright. Move out of direct sunlight or away from the lamp, then take it again.</source>
        <translation>फ़ोटो में बहुत ज़्यादा रोशनी है। सीधी धूप या बत्ती से हटें, फिर दोबारा फ़ोटो लें।</translation>
    </message>
    <message>
        <source>The photo may not be clear enough. Take it again.</source>
        <translation>फ़ोटो शायद साफ़ नहीं है। दोबारा फ़ोटो लें।</translation>
    </message>
</context>
<context>
    <name>CapturePanel</name>
    <message>
        <source>Take photo (Ctrl+P)</source>
        <translation>फ़ोटो लें (Ctrl+P)</translation>
    </message>
    <message>
        <source>Attach a file (Ctrl+O)</source>
        <translation>फ़ाइल जोड़ें (Ctrl+O)</translation>
    </message>
    <message>
        <source>Record audio note (Ctrl+M)</source>
        <translation>आवाज़ रिकॉर्ड करें (Ctrl+M)</translation>
    </message>
    <message>
        <source>Record clip (Ctrl+K)</source>
        <translation>वीडियो रिकॉर्ड करें (Ctrl+K)</translation>
    </message>
    <message>
        <source>Choose a file to attach</source>
        <translation>जोड़ने के लिए फ़ाइल चुनें</translation>
    </message>
    <message>
        <source>Reports and photos (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>रिपोर्ट और फ़ोटो (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>सभी फ़ाइलें (*)</translation>
    </message>
    <message>
        <source>Attaching {name}…</source>
        <translation>{name} जोड़ी जा रही है…</translation>
    </message>
</context>
<context>
    <name>CaseState</name>
    <message>
        <source>Intake not finished</source>
        <translation>जानकारी भरना बाकी है</translation>
    </message>
    <message>
        <source>Ready to send</source>
        <translation>भेजने के लिए तैयार</translation>
    </message>
    <message>
        <source>Waiting for a doctor</source>
        <translation>डॉक्टर की प्रतीक्षा</translation>
    </message>
    <message>
        <source>Sent for review</source>
        <translation>समीक्षा के लिए भेजा गया</translation>
    </message>
    <message>
        <source>With the doctor</source>
        <translation>डॉक्टर के साथ</translation>
    </message>
    <message>
        <source>Waiting for the prescription</source>
        <translation>पर्चे की प्रतीक्षा</translation>
    </message>
    <message>
        <source>Doctor asked a question</source>
        <translation>डॉक्टर ने प्रश्न पूछा</translation>
    </message>
    <message>
        <source>Prescription ready</source>
        <translation>पर्चा तैयार है</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>बंद</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>रद्द</translation>
    </message>
</context>
<context>
    <name>Complaint</name>
    <message>
        <source>Fever</source>
        <translation>बुखार</translation>
    </message>
    <message>
        <source>Tiredness / fatigue</source>
        <translation>थकान / कमज़ोरी</translation>
    </message>
    <message>
        <source>Weight loss</source>
        <translation>वज़न कम होना</translation>
    </message>
    <message>
        <source>Loss of appetite</source>
        <translation>भूख न लगना</translation>
    </message>
    <message>
        <source>Swelling of feet</source>
        <translation>पैरों में सूजन</translation>
    </message>
    <message>
        <source>Lump or swelling</source>
        <translation>गांठ या सूजन</translation>
    </message>
    <message>
        <source>Yellow eyes / jaundice</source>
        <translation>आँखें पीली / पीलिया</translation>
    </message>
    <message>
        <source>Cough</source>
        <translation>खाँसी</translation>
    </message>
    <message>
        <source>Cold / runny nose</source>
        <translation>ज़ुकाम / नाक बहना</translation>
    </message>
    <message>
        <source>Breathlessness</source>
        <translation>सांस फूलना</translation>
    </message>
    <message>
        <source>Wheezing</source>
        <translation>सांस में सीटी की आवाज़</translation>
    </message>
    <message>
        <source>Blood in sputum</source>
        <translation>बलगम में खून</translation>
    </message>
    <message>
        <source>Chest pain</source>
        <translation>सीने में दर्द</translation>
    </message>
    <message>
        <source>Palpitations</source>
        <translation>दिल की धड़कन तेज़ होना</translation>
    </message>
    <message>
        <source>Abdominal pain</source>
        <translation>पेट दर्द</translation>
    </message>
    <message>
        <source>Loose motions / diarrhoea</source>
        <translation>दस्त</translation>
    </message>
    <message>
        <source>Vomiting</source>
        <translation>उल्टी</translation>
    </message>
    <message>
        <source>Acidity / heartburn</source>
        <translation>एसिडिटी / सीने में जलन</translation>
    </message>
    <message>
        <source>Constipation</source>
        <translation>कब्ज़</translation>
    </message>
    <message>
        <source>Blood in stool</source>
        <translation>मल में खून</translation>
    </message>
    <message>
        <source>Headache</source>
        <translation>सिरदर्द</translation>
    </message>
    <message>
        <source>Dizziness</source>
        <translation>चक्कर आना</translation>
    </message>
    <message>
        <source>Fits / seizure</source>
        <translation>दौरे / मिर्गी का दौरा</translation>
    </message>
    <message>
        <source>Weakness of limbs</source>
        <translation>हाथ-पैर में कमज़ोरी</translation>
    </message>
    <message>
        <source>Numbness / tingling</source>
        <translation>सुन्नपन / झनझनाहट</translation>
    </message>
    <message>
        <source>Joint pain</source>
        <translation>जोड़ों में दर्द</translation>
    </message>
    <message>
        <source>Back pain</source>
        <translation>कमर दर्द</translation>
    </message>
    <message>
        <source>Skin rash</source>
        <translation>त्वचा पर दाने</translation>
    </message>
    <message>
        <source>Itching</source>
        <translation>खुजली</translation>
    </message>
    <message>
        <source>Pale or numb skin patch</source>
        <translation>त्वचा पर हल्का या सुन्न धब्बा</translation>
    </message>
    <message>
        <source>Wound / ulcer</source>
        <translation>घाव / छाला</translation>
    </message>
    <message>
        <source>Burn</source>
        <translation>जलना</translation>
    </message>
    <message>
        <source>Injury / fall</source>
        <translation>चोट / गिरना</translation>
    </message>
    <message>
        <source>Dog / animal bite</source>
        <translation>कुत्ते / जानवर का काटना</translation>
    </message>
    <message>
        <source>Snake bite</source>
        <translation>साँप का काटना</translation>
    </message>
    <message>
        <source>Scorpion sting</source>
        <translation>बिच्छू का डंक</translation>
    </message>
    <message>
        <source>Red eye</source>
        <translation>आँख लाल होना</translation>
    </message>
    <message>
        <source>Blurred / reduced vision</source>
        <translation>धुंधला / कम दिखना</translation>
    </message>
    <message>
        <source>Ear discharge</source>
        <translation>कान बहना</translation>
    </message>
    <message>
        <source>Ear pain</source>
        <translation>कान में दर्द</translation>
    </message>
    <message>
        <source>Hearing loss</source>
        <translation>कम सुनाई देना</translation>
    </message>
    <message>
        <source>Sore throat</source>
        <translation>गले में खराश</translation>
    </message>
    <message>
        <source>Toothache</source>
        <translation>दाँत दर्द</translation>
    </message>
    <message>
        <source>Mouth ulcer or white/red patch</source>
        <translation>मुँह में छाले या सफ़ेद/लाल धब्बा</translation>
    </message>
    <message>
        <source>Pain / burning on urination</source>
        <translation>पेशाब में दर्द / जलन</translation>
    </message>
    <message>
        <source>White discharge</source>
        <translation>सफ़ेद पानी</translation>
    </message>
    <message>
        <source>Missed period</source>
        <translation>माहवारी न आना</translation>
    </message>
    <message>
        <source>Heavy menstrual bleeding</source>
        <translation>माहवारी में ज़्यादा खून</translation>
    </message>
    <message>
        <source>Painful periods</source>
        <translation>माहवारी में दर्द</translation>
    </message>
    <message>
        <source>Breast lump</source>
        <translation>स्तन में गांठ</translation>
    </message>
    <message>
        <source>Bleeding in pregnancy</source>
        <translation>गर्भावस्था में खून आना</translation>
    </message>
    <message>
        <source>Antenatal check-up</source>
        <translation>प्रसव-पूर्व जाँच</translation>
    </message>
    <message>
        <source>Postnatal check-up</source>
        <translation>प्रसव के बाद जाँच</translation>
    </message>
    <message>
        <source>Poor feeding in child</source>
        <translation>बच्चे का ठीक से न खाना</translation>
    </message>
    <message>
        <source>Fast breathing in child</source>
        <translation>बच्चे की तेज़ सांस</translation>
    </message>
    <message>
        <source>Poor weight gain in child</source>
        <translation>बच्चे का वज़न न बढ़ना</translation>
    </message>
    <message>
        <source>Anxiety / low mood</source>
        <translation>घबराहट / उदासी</translation>
    </message>
    <message>
        <source>Sleeplessness</source>
        <translation>नींद न आना</translation>
    </message>
    <message>
        <source>Alcohol or tobacco use</source>
        <translation>शराब या तंबाकू का सेवन</translation>
    </message>
    <message>
        <source>High blood sugar follow-up</source>
        <translation>शुगर की फ़ॉलो-अप जाँच</translation>
    </message>
    <message>
        <source>High BP follow-up</source>
        <translation>बीपी की फ़ॉलो-अप जाँच</translation>
    </message>
    <message>
        <source>TB follow-up</source>
        <translation>टीबी की फ़ॉलो-अप जाँच</translation>
    </message>
    <message>
        <source>Other (describe)</source>
        <translation>अन्य (विवरण लिखें)</translation>
    </message>
</context>
<context>
    <name>ComplaintRow</name>
    <message>
        <source>days</source>
        <translation>दिन</translation>
    </message>
    <message>
        <source>For how many days</source>
        <translation>कितने दिनों से</translation>
    </message>
    <message>
        <source>Describe the complaint (needed)</source>
        <translation>शिकायत का विवरण लिखें (ज़रूरी)</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>टिप्पणी</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>हटाएँ</translation>
    </message>
    <message>
        <source>Remove {complaint}</source>
        <translation>{complaint} हटाएँ</translation>
    </message>
</context>
<context>
    <name>ComplaintsPage</name>
    <message>
        <source>{days} days</source>
        <translation>{days} दिन</translation>
    </message>
    <message>
        <source>Complaints &amp; history</source>
        <translation>शिकायतें और इतिहास</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>शिकायतें</translation>
    </message>
    <message>
        <source>Type to find a complaint, then press Enter</source>
        <translation>शिकायत खोजने के लिए लिखें, फिर Enter दबाएँ</translation>
    </message>
    <message>
        <source>Add (Enter)</source>
        <translation>जोड़ें (Enter)</translation>
    </message>
    <message>
        <source>No complaint added yet.</source>
        <translation>अभी कोई शिकायत नहीं जोड़ी गई।</translation>
    </message>
</context>
<context>
    <name>Condition</name>
    <message>
        <source>Diabetes</source>
        <translation>मधुमेह (डायबिटीज़)</translation>
    </message>
    <message>
        <source>High blood pressure</source>
        <translation>उच्च रक्तचाप</translation>
    </message>
    <message>
        <source>Tuberculosis (TB)</source>
        <translation>टीबी (क्षय रोग)</translation>
    </message>
    <message>
        <source>Asthma</source>
        <translation>दमा</translation>
    </message>
    <message>
        <source>Heart disease</source>
        <translation>हृदय रोग</translation>
    </message>
    <message>
        <source>Epilepsy</source>
        <translation>मिर्गी</translation>
    </message>
    <message>
        <source>HIV</source>
        <translation>एचआईवी</translation>
    </message>
    <message>
        <source>Kidney disease</source>
        <translation>गुर्दे की बीमारी</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>अन्य</translation>
    </message>
</context>
<context>
    <name>Consult</name>
    <message>
        <source>{n}th</source>
        <translation>{n}वें</translation>
    </message>
    <message>
        <source>{n}st</source>
        <translation>{n}वें</translation>
    </message>
    <message>
        <source>{n}nd</source>
        <translation>{n}वें</translation>
    </message>
    <message>
        <source>{n}rd</source>
        <translation>{n}वें</translation>
    </message>
    <message>
        <source>about a minute</source>
        <translation>लगभग एक मिनट</translation>
    </message>
    <message>
        <source>about {minutes} minutes</source>
        <translation>लगभग {minutes} मिनट</translation>
    </message>
    <message>
        <source>You are {position} in the queue.</source>
        <translation>कतार में आप {position} स्थान पर हैं।</translation>
    </message>
    <message>
        <source>You are {position} in the queue — {wait}</source>
        <translation>कतार में आप {position} स्थान पर हैं — {wait}</translation>
    </message>
    <message>
        <source>No doctor of this specialty is online right now. The case stays in the queue until one is.</source>
        <translation>इस विशेषज्ञता का कोई डॉक्टर अभी ऑनलाइन नहीं है। किसी डॉक्टर के आने तक केस कतार में रहेगा।</translation>
    </message>
    <message>
        <source>1 doctor of this specialty is online.</source>
        <translation>इस विशेषज्ञता का 1 डॉक्टर ऑनलाइन है।</translation>
    </message>
    <message>
        <source>{count} doctors of this specialty are online.</source>
        <translation>इस विशेषज्ञता के {count} डॉक्टर ऑनलाइन हैं।</translation>
    </message>
    <message>
        <source>Call quality: good</source>
        <translation>कॉल की गुणवत्ता: अच्छी</translation>
    </message>
    <message>
        <source>Call quality: weak — the picture may be small or slow</source>
        <translation>कॉल की गुणवत्ता: कमज़ोर — तस्वीर छोटी या धीमी हो सकती है</translation>
    </message>
    <message>
        <source>Call quality: audio only — the link is too slow for video</source>
        <translation>कॉल की गुणवत्ता: केवल आवाज़ — कनेक्शन वीडियो के लिए बहुत धीमा है</translation>
    </message>
    <message>
        <source>Connection lost — reconnecting…</source>
        <translation>कनेक्शन टूट गया — फिर से जोड़ा जा रहा है…</translation>
    </message>
    <message>
        <source>Call quality: not known yet</source>
        <translation>कॉल की गुणवत्ता: अभी पता नहीं</translation>
    </message>
    <message>
        <source>Nothing recorded for this patient is lost. Send the case for review and a doctor will answer it later.</source>
        <translation>इस मरीज़ का दर्ज किया हुआ कुछ भी खोया नहीं है। केस को समीक्षा के लिए भेजें, डॉक्टर बाद में जवाब देंगे।</translation>
    </message>
    <message>
        <source>The doctor finished the consult. The prescription will come to this case.</source>
        <translation>डॉक्टर ने परामर्श पूरा किया। पर्चा इसी केस में आएगा।</translation>
    </message>
    <message>
        <source>The doctor ended the call. The prescription will come to this case.</source>
        <translation>डॉक्टर ने कॉल खत्म की। पर्चा इसी केस में आएगा।</translation>
    </message>
    <message>
        <source>You ended the call. The doctor writes the prescription; it will come to this case.</source>
        <translation>आपने कॉल खत्म की। डॉक्टर पर्चा लिखेंगे; वह इसी केस में आएगा।</translation>
    </message>
    <message>
        <source>You left the queue. The case is kept: start the consult again or send it for review.</source>
        <translation>आपने कतार छोड़ दी। केस सुरक्षित है: परामर्श फिर से शुरू करें या उसे समीक्षा के लिए भेजें।</translation>
    </message>
    <message>
        <source>The call was cut for too long. The case is back in the queue: start the consult again, or send it for review.</source>
        <translation>कॉल बहुत देर तक कटी रही। केस फिर से कतार में है: परामर्श फिर से शुरू करें, या उसे समीक्षा के लिए भेजें।</translation>
    </message>
    <message>
        <source>The hub ended the call.</source>
        <translation>हब ने कॉल खत्म कर दी।</translation>
    </message>
    <message>
        <source>The hub cannot be reached, so the call cannot go on now.</source>
        <translation>हब से संपर्क नहीं हो पा रहा, इसलिए अभी कॉल नहीं चल सकती।</translation>
    </message>
    <message>
        <source>The link is too weak to carry a call now.</source>
        <translation>कनेक्शन अभी कॉल के लिए बहुत कमज़ोर है।</translation>
    </message>
    <message>
        <source>The hub did not accept this desktop. Call district IT.</source>
        <translation>हब ने इस कंप्यूटर को स्वीकार नहीं किया। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub does not have this case yet: it has not been sent. It will be sent when the link allows.</source>
        <translation>हब के पास यह केस अभी नहीं है: यह भेजा नहीं गया है। कनेक्शन मिलते ही भेज दिया जाएगा।</translation>
    </message>
    <message>
        <source>The hub says this case is not waiting for a doctor any more.</source>
        <translation>हब के अनुसार यह केस अब डॉक्टर की प्रतीक्षा में नहीं है।</translation>
    </message>
    <message>
        <source>The hub no longer accepts this desktop. Call district IT.</source>
        <translation>हब अब इस कंप्यूटर को स्वीकार नहीं करता। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>This case was opened for a call on another desktop or window, so the call here stopped.</source>
        <translation>यह केस किसी दूसरे कंप्यूटर या विंडो पर कॉल के लिए खोला गया, इसलिए यहाँ की कॉल रुक गई।</translation>
    </message>
    <message>
        <source>This program must be updated before the hub takes calls. Call district IT.</source>
        <translation>हब के कॉल लेने से पहले इस प्रोग्राम को अपडेट करना होगा। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub&apos;s safety certificate was not accepted, so the call cannot go on. Call district IT.</source>
        <translation>हब का सुरक्षा प्रमाणपत्र स्वीकार नहीं हुआ, इसलिए कॉल नहीं चल सकती। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The call could not go on.</source>
        <translation>कॉल आगे नहीं चल सकी।</translation>
    </message>
    <message>
        <source>This desktop is not connected to a hub yet, so a live consult cannot start. Ask district IT to set it up.</source>
        <translation>यह कंप्यूटर अभी किसी हब से नहीं जुड़ा है, इसलिए वीडियो परामर्श शुरू नहीं हो सकता। ज़िला आईटी से इसे सेट करवाएँ।</translation>
    </message>
    <message>
        <source>Another call is on. End it before starting this one.</source>
        <translation>एक दूसरी कॉल चल रही है। इसे शुरू करने से पहले उसे खत्म करें।</translation>
    </message>
    <message>
        <source>This case cannot join the queue now: it is “{state}”.</source>
        <translation>यह केस अभी कतार में नहीं जुड़ सकता: इसकी स्थिति “{state}” है।</translation>
    </message>
    <message>
        <source>The live consult could not start.</source>
        <translation>वीडियो परामर्श शुरू नहीं हो सका।</translation>
    </message>
</context>
<context>
    <name>ConsultScreen</name>
    <message>
        <source>Live consult — {patient}</source>
        <translation>वीडियो परामर्श — {patient}</translation>
    </message>
    <message>
        <source>Leave the queue (Esc)</source>
        <translation>कतार छोड़ें (Esc)</translation>
    </message>
    <message>
        <source>Send for review (Ctrl+R)</source>
        <translation>समीक्षा के लिए भेजें (Ctrl+R)</translation>
    </message>
    <message>
        <source>What the doctor will see:</source>
        <translation>डॉक्टर को यह दिखेगा:</translation>
    </message>
    <message>
        <source>Unmute (Ctrl+M)</source>
        <translation>आवाज़ चालू करें (Ctrl+M)</translation>
    </message>
    <message>
        <source>Mute (Ctrl+M)</source>
        <translation>आवाज़ बंद करें (Ctrl+M)</translation>
    </message>
    <message>
        <source>Camera on (Ctrl+O)</source>
        <translation>कैमरा चालू करें (Ctrl+O)</translation>
    </message>
    <message>
        <source>Camera off (Ctrl+O)</source>
        <translation>कैमरा बंद करें (Ctrl+O)</translation>
    </message>
    <message>
        <source>Your camera is off: the doctor cannot see you.</source>
        <translation>आपका कैमरा बंद है: डॉक्टर आपको नहीं देख सकते।</translation>
    </message>
    <message>
        <source>End call (Ctrl+E)</source>
        <translation>कॉल खत्म करें (Ctrl+E)</translation>
    </message>
    <message>
        <source>Consult live again</source>
        <translation>फिर से वीडियो परामर्श</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>बंद करें (Esc)</translation>
    </message>
    <message>
        <source>The link has been lost for a while.</source>
        <translation>कनेक्शन कुछ देर से टूटा हुआ है।</translation>
    </message>
    <message>
        <source>Joining the doctors&apos; queue…</source>
        <translation>डॉक्टरों की कतार में जुड़ रहे हैं…</translation>
    </message>
    <message>
        <source>Waiting for a doctor</source>
        <translation>डॉक्टर की प्रतीक्षा</translation>
    </message>
    <message>
        <source>Keep this screen open. When a doctor accepts, the call starts by itself. If the wait is too long, send the case for review instead.</source>
        <translation>यह स्क्रीन खुली रखें। डॉक्टर के स्वीकार करते ही कॉल अपने आप शुरू होगी। अगर प्रतीक्षा बहुत लंबी हो, तो केस को समीक्षा के लिए भेज दें।</translation>
    </message>
    <message>
        <source>Dr {name} (Reg. no. {registration})</source>
        <translation>डॉ. {name} (पंजीकरण सं. {registration})</translation>
    </message>
    <message>
        <source>The doctor&apos;s connection dropped. Waiting for the doctor to come back…</source>
        <translation>डॉक्टर का कनेक्शन टूट गया। डॉक्टर के लौटने की प्रतीक्षा…</translation>
    </message>
    <message>
        <source>Connecting to the doctor…</source>
        <translation>डॉक्टर से जोड़ा जा रहा है…</translation>
    </message>
    <message>
        <source>The call has ended</source>
        <translation>कॉल खत्म हो गई</translation>
    </message>
    <message>
        <source>The call could not go on</source>
        <translation>कॉल आगे नहीं चल सकी</translation>
    </message>
    <message>
        <source>The live consult could not start</source>
        <translation>वीडियो परामर्श शुरू नहीं हो सका</translation>
    </message>
    <message>
        <source>The live consult could not start.</source>
        <translation>वीडियो परामर्श शुरू नहीं हो सका।</translation>
    </message>
    <message>
        <source>Sent for review: {name}</source>
        <translation>समीक्षा के लिए भेजा गया: {name}</translation>
    </message>
    <message>
        <source>That did not work.</source>
        <translation>यह नहीं हो सका।</translation>
    </message>
</context>
<context>
    <name>DeviceCheckScreen</name>
    <message>
        <source>Check camera and microphone</source>
        <translation>कैमरा और माइक्रोफ़ोन जाँचें</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>वापस (Esc)</translation>
    </message>
    <message>
        <source>Check these before a consult: the doctor needs to see and hear the patient.</source>
        <translation>परामर्श से पहले इन्हें जाँचें: डॉक्टर को मरीज़ को देखना और सुनना है।</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>कैमरा</translation>
    </message>
    <message>
        <source>Try the camera again</source>
        <translation>कैमरा फिर से आज़माएँ</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>माइक्रोफ़ोन</translation>
    </message>
    <message>
        <source>Microphone to use:</source>
        <translation>कौन-सा माइक्रोफ़ोन:</translation>
    </message>
    <message>
        <source>Say something: the bar should move.</source>
        <translation>कुछ बोलें: पट्टी हिलनी चाहिए।</translation>
    </message>
    <message>
        <source>Try the microphone again</source>
        <translation>माइक्रोफ़ोन फिर से आज़माएँ</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>स्पीकर</translation>
    </message>
    <message>
        <source>Speaker to use:</source>
        <translation>कौन-सा स्पीकर:</translation>
    </message>
    <message>
        <source>Play a test sound (Ctrl+T)</source>
        <translation>जाँच की आवाज़ चलाएँ (Ctrl+T)</translation>
    </message>
    <message>
        <source>Did you hear it?</source>
        <translation>क्या आपने सुना?</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>हाँ</translation>
    </message>
    <message>
        <source>No</source>
        <translation>नहीं</translation>
    </message>
    <message>
        <source>Camera: working. The patient should be clearly seen in the picture.</source>
        <translation>कैमरा: काम कर रहा है। तस्वीर में मरीज़ साफ़ दिखना चाहिए।</translation>
    </message>
    <message>
        <source>Camera: not working. {advice}</source>
        <translation>कैमरा: काम नहीं कर रहा। {advice}</translation>
    </message>
    <message>
        <source>Camera: checking…</source>
        <translation>कैमरा: जाँच हो रही है…</translation>
    </message>
    <message>
        <source>Microphone: working. We heard you.</source>
        <translation>माइक्रोफ़ोन: काम कर रहा है। आपकी आवाज़ सुनाई दी।</translation>
    </message>
    <message>
        <source>Microphone: not working. Check that it is plugged in and not used by another program, and that the right one is chosen above. Then press “Try the microphone again”.</source>
        <translation>माइक्रोफ़ोन: काम नहीं कर रहा। देखें कि वह लगा हुआ है और किसी दूसरे प्रोग्राम में नहीं चल रहा, और ऊपर सही माइक्रोफ़ोन चुना गया है। फिर “माइक्रोफ़ोन फिर से आज़माएँ” दबाएँ।</translation>
    </message>
    <message>
        <source>Nothing heard yet. Check that the microphone is plugged in and not muted, and that the right one is chosen above. Then speak again.</source>
        <translation>अभी तक कुछ सुनाई नहीं दिया। देखें कि माइक्रोफ़ोन लगा हुआ है और म्यूट नहीं है, और ऊपर सही माइक्रोफ़ोन चुना गया है। फिर दोबारा बोलें।</translation>
    </message>
    <message>
        <source>Microphone: listening…</source>
        <translation>माइक्रोफ़ोन: सुन रहा है…</translation>
    </message>
    <message>
        <source>Speaker: working.</source>
        <translation>स्पीकर: काम कर रहा है।</translation>
    </message>
    <message>
        <source>Speaker: not working. {advice}</source>
        <translation>स्पीकर: काम नहीं कर रहा। {advice}</translation>
    </message>
    <message>
        <source>Speaker: not working. Turn the volume up, check that the speakers are plugged in and switched on, and that the right ones are chosen above. Then play the sound again.</source>
        <translation>स्पीकर: काम नहीं कर रहा। आवाज़ बढ़ाएँ, देखें कि स्पीकर लगे हुए और चालू हैं, और ऊपर सही स्पीकर चुने गए हैं। फिर आवाज़ दोबारा चलाएँ।</translation>
    </message>
    <message>
        <source>Speaker: press “Play a test sound” and listen.</source>
        <translation>स्पीकर: “जाँच की आवाज़ चलाएँ” दबाएँ और सुनें।</translation>
    </message>
    <message>
        <source>The computer&apos;s usual one</source>
        <translation>कंप्यूटर का सामान्य वाला</translation>
    </message>
    <message>
        <source>{name} (not found now)</source>
        <translation>{name} (अभी नहीं मिला)</translation>
    </message>
</context>
<context>
    <name>DoctorView</name>
    <message>
        <source>Waiting for the doctor&apos;s picture…</source>
        <translation>डॉक्टर की तस्वीर की प्रतीक्षा…</translation>
    </message>
</context>
<context>
    <name>Field</name>
    <message>
        <source>Name</source>
        <translation>नाम</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>लिंग</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>जन्म तिथि</translation>
    </message>
    <message>
        <source>Age (years)</source>
        <translation>उम्र (वर्ष)</translation>
    </message>
    <message>
        <source>Age (months)</source>
        <translation>उम्र (महीने)</translation>
    </message>
    <message>
        <source>Age stated on</source>
        <translation>उम्र बताने की तिथि</translation>
    </message>
    <message>
        <source>Mobile number</source>
        <translation>मोबाइल नंबर</translation>
    </message>
    <message>
        <source>ABHA number</source>
        <translation>आभा नंबर</translation>
    </message>
    <message>
        <source>ABHA address</source>
        <translation>आभा पता</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>गाँव</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>पता</translation>
    </message>
    <message>
        <source>Guardian&apos;s name</source>
        <translation>अभिभावक का नाम</translation>
    </message>
    <message>
        <source>Guardian is the patient&apos;s</source>
        <translation>अभिभावक का मरीज़ से रिश्ता</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>शिकायतें</translation>
    </message>
    <message>
        <source>Duration (days)</source>
        <translation>अवधि (दिन)</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>गंभीरता</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>टिप्पणी</translation>
    </message>
    <message>
        <source>Last menstrual period</source>
        <translation>अंतिम माहवारी की तिथि</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>एलर्जी</translation>
    </message>
    <message>
        <source>Current medicines</source>
        <translation>अभी ली जा रही दवाइयाँ</translation>
    </message>
    <message>
        <source>Known conditions</source>
        <translation>पहले से ज्ञात बीमारियाँ</translation>
    </message>
    <message>
        <source>Consent</source>
        <translation>सहमति</translation>
    </message>
    <message>
        <source>Accompanying adult</source>
        <translation>साथ आए वयस्क</translation>
    </message>
    <message>
        <source>Specialty</source>
        <translation>विशेषज्ञता</translation>
    </message>
    <message>
        <source>Vitals</source>
        <translation>जाँच (वाइटल्स)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>कारण</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>शिकायत</translation>
    </message>
</context>
<context>
    <name>FindPatient</name>
    <message>
        <source>{years} y</source>
        <translation>{years} वर्ष</translation>
    </message>
    <message>
        <source>{months} m</source>
        <translation>{months} माह</translation>
    </message>
    <message>
        <source>Something went wrong. Nothing you typed is lost: please try again.</source>
        <translation>कुछ गड़बड़ हुई। आपका लिखा कुछ भी खोया नहीं है: कृपया फिर से कोशिश करें।</translation>
    </message>
</context>
<context>
    <name>FindPatientScreen</name>
    <message>
        <source>Find patient</source>
        <translation>मरीज़ खोजें</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>खोजें</translation>
    </message>
    <message>
        <source>Name, phone number, ABHA number or village</source>
        <translation>नाम, फ़ोन नंबर, आभा नंबर या गाँव</translation>
    </message>
    <message>
        <source>Results appear as you type. ↑ ↓ choose a patient, Enter starts the visit.</source>
        <translation>लिखते ही नतीजे दिखते हैं। ↑ ↓ से मरीज़ चुनें, Enter से विज़िट शुरू करें।</translation>
    </message>
    <message>
        <source>Register new patient (Ctrl+N)</source>
        <translation>नया मरीज़ दर्ज करें (Ctrl+N)</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>वापस (Esc)</translation>
    </message>
    <message>
        <source>No patient found</source>
        <translation>कोई मरीज़ नहीं मिला</translation>
    </message>
    <message>
        <source>Starting the visit…</source>
        <translation>विज़िट शुरू हो रही है…</translation>
    </message>
</context>
<context>
    <name>Flag</name>
    <message>
        <source>Low</source>
        <translation>कम</translation>
    </message>
    <message>
        <source>High</source>
        <translation>ज़्यादा</translation>
    </message>
    <message>
        <source>Very low: needs attention now</source>
        <translation>बहुत कम: तुरंत ध्यान दें</translation>
    </message>
    <message>
        <source>Very high: needs attention now</source>
        <translation>बहुत ज़्यादा: तुरंत ध्यान दें</translation>
    </message>
    <message>
        <source>{level} (normal {low}–{high} {unit})</source>
        <translation>{level} (सामान्य {low}–{high} {unit})</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Known conditions: {names}</source>
        <translation>ज्ञात बीमारियाँ: {names}</translation>
    </message>
    <message>
        <source>Pregnant, last period {lmp}</source>
        <translation>गर्भवती, अंतिम माहवारी {lmp}</translation>
    </message>
    <message>
        <source>{label}: {text}</source>
        <translation>{label}: {text}</translation>
    </message>
    <message>
        <source>History</source>
        <translation>इतिहास</translation>
    </message>
    <message>
        <source>Known conditions:</source>
        <translation>ज्ञात बीमारियाँ:</translation>
    </message>
    <message>
        <source>Pregnant now</source>
        <translation>अभी गर्भवती है</translation>
    </message>
    <message>
        <source>Pregnancy applies only to women aged {low} to {high}.</source>
        <translation>गर्भावस्था केवल {low} से {high} वर्ष की महिलाओं के लिए है।</translation>
    </message>
    <message>
        <source>Last period (LMP):</source>
        <translation>अंतिम माहवारी (LMP):</translation>
    </message>
    <message>
        <source>DD-MM-YYYY</source>
        <translation>दिन-माह-वर्ष</translation>
    </message>
    <message>
        <source>Allergies:</source>
        <translation>एलर्जी:</translation>
    </message>
    <message>
        <source>Medicines taken now:</source>
        <translation>अभी ली जा रही दवाइयाँ:</translation>
    </message>
    <message>
        <source>= {date}</source>
        <translation>= {date}</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <source>Today&apos;s cases — {operator}</source>
        <translation>आज के केस — {operator}</translation>
    </message>
    <message>
        <source>Today&apos;s cases</source>
        <translation>आज के केस</translation>
    </message>
    <message>
        <source>New patient (Ctrl+N)</source>
        <translation>नया मरीज़ (Ctrl+N)</translation>
    </message>
    <message>
        <source>Find patient (Ctrl+F)</source>
        <translation>मरीज़ खोजें (Ctrl+F)</translation>
    </message>
    <message>
        <source>Resume intake (Ctrl+R)</source>
        <translation>जानकारी भरना जारी रखें (Ctrl+R)</translation>
    </message>
    <message>
        <source>Lock (Ctrl+L)</source>
        <translation>लॉक करें (Ctrl+L)</translation>
    </message>
    <message>
        <source>Check camera and microphone (Ctrl+D)</source>
        <translation>कैमरा और माइक्रोफ़ोन जाँचें (Ctrl+D)</translation>
    </message>
    <message>
        <source>Consult live (Ctrl+K)</source>
        <translation>अभी वीडियो परामर्श (Ctrl+K)</translation>
    </message>
    <message>
        <source>Send for review (Ctrl+Shift+R)</source>
        <translation>समीक्षा के लिए भेजें (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Unfinished intakes</source>
        <translation>अधूरी जानकारियाँ</translation>
    </message>
    <message>
        <source>Cases started today</source>
        <translation>आज शुरू हुए केस</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>समय</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>गाँव</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>स्थिति</translation>
    </message>
    <message>
        <source>The unfinished intake for {patient} was kept. Press Enter or Ctrl+R to resume it.</source>
        <translation>{patient} की अधूरी जानकारी सुरक्षित है। जारी रखने के लिए Enter या Ctrl+R दबाएँ।</translation>
    </message>
    <message>
        <source>Sync status could not be read.</source>
        <translation>सिंक की स्थिति पढ़ी नहीं जा सकी।</translation>
    </message>
    <message>
        <source>{patient} — last saved {when}</source>
        <translation>{patient} — आखिरी बार सहेजा {when}</translation>
    </message>
    <message>
        <source>Sent for review: {name}</source>
        <translation>समीक्षा के लिए भेजा गया: {name}</translation>
    </message>
    <message>
        <source>The case was not sent.</source>
        <translation>केस नहीं भेजा गया।</translation>
    </message>
</context>
<context>
    <name>IntakePage</name>
    <message>
        <source>Something went wrong. What you typed is still on the screen.</source>
        <translation>कुछ गड़बड़ हुई। आपने जो लिखा था वह स्क्रीन पर ही है।</translation>
    </message>
</context>
<context>
    <name>IntakeWizard</name>
    <message>
        <source>Back (Alt+←)</source>
        <translation>पीछे (Alt+←)</translation>
    </message>
    <message>
        <source>Next (Alt+→)</source>
        <translation>आगे (Alt+→)</translation>
    </message>
    <message>
        <source>Save and close</source>
        <translation>सहेजें और बंद करें</translation>
    </message>
    <message>
        <source>Intake — {patient}</source>
        <translation>जानकारी — {patient}</translation>
    </message>
    <message>
        <source>Intake</source>
        <translation>जानकारी</translation>
    </message>
    <message>
        <source>Sent for review: {name}</source>
        <translation>समीक्षा के लिए भेजा गया: {name}</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>Locked</source>
        <translation>लॉक है</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>लॉग इन</translation>
    </message>
    <message>
        <source>Your work is kept. Type your PIN to go on.</source>
        <translation>आपका काम सुरक्षित है। आगे बढ़ने के लिए अपना पिन लिखें।</translation>
    </message>
    <message>
        <source>Works without internet.</source>
        <translation>इंटरनेट के बिना भी काम करता है।</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>ऑपरेटर</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>पिन</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>भाषा</translation>
    </message>
    <message>
        <source>Larger text</source>
        <translation>बड़े अक्षर</translation>
    </message>
    <message>
        <source>Unlock (Enter)</source>
        <translation>खोलें (Enter)</translation>
    </message>
    <message>
        <source>Log in (Enter)</source>
        <translation>लॉग इन (Enter)</translation>
    </message>
    <message>
        <source>Log in as someone else</source>
        <translation>किसी और के रूप में लॉग इन करें</translation>
    </message>
    <message>
        <source>Type your PIN.</source>
        <translation>अपना पिन लिखें।</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Spoke — teleconsultation</source>
        <translation>स्पोक — टेलीकंसल्टेशन</translation>
    </message>
</context>
<context>
    <name>PatientPage</name>
    <message>
        <source>{years} years</source>
        <translation>{years} वर्ष</translation>
    </message>
    <message>
        <source>{years} years {months} months</source>
        <translation>{years} वर्ष {months} महीने</translation>
    </message>
    <message>
        <source>{months} months</source>
        <translation>{months} महीने</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>नहीं बताया</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>उम्र</translation>
    </message>
    <message>
        <source>ABHA</source>
        <translation>आभा</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>These details come from registration. To correct them, open the patient from Find patient.</source>
        <translation>ये जानकारियाँ पंजीकरण से आई हैं। इन्हें ठीक करने के लिए ‘मरीज़ खोजें’ से मरीज़ खोलें।</translation>
    </message>
    <message>
        <source>Opening the patient&apos;s details…</source>
        <translation>मरीज़ की जानकारी खुल रही है…</translation>
    </message>
    <message>
        <source>{label}:</source>
        <translation>{label}:</translation>
    </message>
</context>
<context>
    <name>PhotoDialog</name>
    <message>
        <source>Take a photo</source>
        <translation>फ़ोटो लें</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>फिर से कोशिश करें</translation>
    </message>
    <message>
        <source>Take photo (Enter)</source>
        <translation>फ़ोटो लें (Enter)</translation>
    </message>
    <message>
        <source>Retake</source>
        <translation>दोबारा लें</translation>
    </message>
    <message>
        <source>Keep it anyway</source>
        <translation>फिर भी रखें</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>बंद करें (Esc)</translation>
    </message>
    <message>
        <source>Checking the photo…</source>
        <translation>फ़ोटो जाँची जा रही है…</translation>
    </message>
    <message>
        <source>Saving the photo…</source>
        <translation>फ़ोटो सहेजी जा रही है…</translation>
    </message>
    <message>
        <source>The photo was not saved.</source>
        <translation>फ़ोटो सहेजी नहीं गई।</translation>
    </message>
</context>
<context>
    <name>RecordingDialog</name>
    <message>
        <source>Record an audio note</source>
        <translation>आवाज़ रिकॉर्ड करें</translation>
    </message>
    <message>
        <source>Record a clip</source>
        <translation>वीडियो रिकॉर्ड करें</translation>
    </message>
    <message>
        <source>Speak near the microphone: the bar moves when it hears you. A note can be up to {minutes} minutes long.</source>
        <translation>माइक्रोफ़ोन के पास बोलें: आवाज़ सुनाई देने पर पट्टी हिलती है। रिकॉर्डिंग {minutes} मिनट तक की हो सकती है।</translation>
    </message>
    <message>
        <source>Point the camera at what the doctor should see, then press “Start recording”. A clip can be up to {seconds} seconds long.</source>
        <translation>कैमरा उस पर रखें जो डॉक्टर को दिखाना है, फिर “रिकॉर्डिंग शुरू करें” दबाएँ। वीडियो {seconds} सेकंड तक का हो सकता है।</translation>
    </message>
    <message>
        <source>Sound level</source>
        <translation>आवाज़ का स्तर</translation>
    </message>
    <message>
        <source>Start recording (Enter)</source>
        <translation>रिकॉर्डिंग शुरू करें (Enter)</translation>
    </message>
    <message>
        <source>Stop and keep (Enter)</source>
        <translation>रोकें और रखें (Enter)</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>बंद करें (Esc)</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>फिर से कोशिश करें</translation>
    </message>
    <message>
        <source>Not recording</source>
        <translation>रिकॉर्डिंग नहीं हो रही</translation>
    </message>
    <message>
        <source>Recording {elapsed} (at most {limit})</source>
        <translation>रिकॉर्डिंग {elapsed} (ज़्यादा से ज़्यादा {limit})</translation>
    </message>
    <message>
        <source>Saving the recording…</source>
        <translation>रिकॉर्डिंग सहेजी जा रही है…</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <source>{value} is not possible here: enter {low}–{high} {unit}</source>
        <translation>{value} संभव नहीं है: {low}–{high} {unit} के बीच लिखें</translation>
    </message>
    <message>
        <source>Systolic ({systolic}) must be higher than diastolic ({diastolic})</source>
        <translation>ऊपर का बीपी ({systolic}) नीचे वाले ({diastolic}) से ज़्यादा होना चाहिए</translation>
    </message>
    <message>
        <source>This case cannot go from “{from_state}” to “{to_state}”</source>
        <translation>यह केस “{from_state}” से “{to_state}” में नहीं जा सकता</translation>
    </message>
    <message>
        <source>This intake is finished and can no longer be changed</source>
        <translation>यह जानकारी पूरी हो चुकी है, अब बदली नहीं जा सकती</translation>
    </message>
    <message>
        <source>Not accepted</source>
        <translation>स्वीकार नहीं</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>ज़रूरी है</translation>
    </message>
    <message>
        <source>Too short</source>
        <translation>बहुत छोटा है</translation>
    </message>
    <message>
        <source>Too long: at most {high} characters</source>
        <translation>बहुत लंबा: अधिकतम {high} अक्षर</translation>
    </message>
    <message>
        <source>Enter a number from {low} to {high}</source>
        <translation>{low} से {high} के बीच संख्या लिखें</translation>
    </message>
    <message>
        <source>Not in the right form</source>
        <translation>सही रूप में नहीं है</translation>
    </message>
    <message>
        <source>Cannot be in the future</source>
        <translation>भविष्य की तिथि नहीं हो सकती</translation>
    </message>
    <message>
        <source>A child under {high} needs a guardian&apos;s name</source>
        <translation>{high} वर्ष से कम उम्र के बच्चे के लिए अभिभावक का नाम ज़रूरी है</translation>
    </message>
    <message>
        <source>Choose from the list</source>
        <translation>सूची में से चुनें</translation>
    </message>
    <message>
        <source>The patient&apos;s consent is needed</source>
        <translation>मरीज़ की सहमति ज़रूरी है</translation>
    </message>
    <message>
        <source>Already in the list</source>
        <translation>पहले से सूची में है</translation>
    </message>
    <message>
        <source>Enter a 10-digit mobile number starting with 6, 7, 8 or 9</source>
        <translation>6, 7, 8 या 9 से शुरू होने वाला 10 अंकों का मोबाइल नंबर लिखें</translation>
    </message>
    <message>
        <source>An ABHA number has 14 digits</source>
        <translation>आभा नंबर में 14 अंक होते हैं</translation>
    </message>
    <message>
        <source>An ABHA address looks like name@abdm</source>
        <translation>आभा पता name@abdm जैसा होता है</translation>
    </message>
    <message>
        <source>Use letters only</source>
        <translation>केवल अक्षर लिखें</translation>
    </message>
</context>
<context>
    <name>RegisterScreen</name>
    <message>
        <source>Register new patient</source>
        <translation>नया मरीज़ दर्ज करें</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>उम्र</translation>
    </message>
    <message>
        <source>Or date of birth, if known</source>
        <translation>या जन्म तिथि, अगर पता हो</translation>
    </message>
    <message>
        <source>ABHA number or ABHA address</source>
        <translation>आभा नंबर या आभा पता</translation>
    </message>
    <message>
        <source>years</source>
        <translation>वर्ष</translation>
    </message>
    <message>
        <source>months (for a baby)</source>
        <translation>महीने (शिशु के लिए)</translation>
    </message>
    <message>
        <source>DD-MM-YYYY</source>
        <translation>दिन-माह-वर्ष</translation>
    </message>
    <message>
        <source>10 digits, e.g. 98765 43210</source>
        <translation>10 अंक, जैसे 98765 43210</translation>
    </message>
    <message>
        <source>14 digits, or name@abdm</source>
        <translation>14 अंक, या name@abdm</translation>
    </message>
    <message>
        <source>e.g. mother, father, grandmother</source>
        <translation>जैसे माँ, पिता, दादी</translation>
    </message>
    <message>
        <source>This patient may already be registered</source>
        <translation>यह मरीज़ शायद पहले से दर्ज है</translation>
    </message>
    <message>
        <source>Check with the patient. Open the existing record if it is the same person.</source>
        <translation>मरीज़ से पूछकर जाँचें। अगर वही व्यक्ति है तो पुराना रिकॉर्ड खोलें।</translation>
    </message>
    <message>
        <source>New patient — save anyway</source>
        <translation>नया मरीज़ — फिर भी सहेजें</translation>
    </message>
    <message>
        <source>Save (Ctrl+S)</source>
        <translation>सहेजें (Ctrl+S)</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>वापस (Esc)</translation>
    </message>
    <message>
        <source>Enter the age, or the date of birth</source>
        <translation>उम्र या जन्म तिथि लिखें</translation>
    </message>
    <message>
        <source>Same person — open this record</source>
        <translation>वही व्यक्ति — यह रिकॉर्ड खोलें</translation>
    </message>
    <message>
        <source>and {count} more</source>
        <translation>और {count} अन्य</translation>
    </message>
    <message>
        <source>Same mobile number</source>
        <translation>एक ही मोबाइल नंबर</translation>
    </message>
    <message>
        <source>Same ABHA number or address</source>
        <translation>एक ही आभा नंबर या पता</translation>
    </message>
    <message>
        <source>Similar name, age and village</source>
        <translation>मिलता-जुलता नाम, उम्र और गाँव</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>Review</source>
        <translation>समीक्षा</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>Vitals</source>
        <translation>जाँच (वाइटल्स)</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>शिकायतें</translation>
    </message>
    <message>
        <source>History</source>
        <translation>इतिहास</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>संलग्न चीज़ें</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>बदलें</translation>
    </message>
    <message>
        <source>Edit {section}</source>
        <translation>{section} बदलें</translation>
    </message>
    <message>
        <source>Consent and sending</source>
        <translation>सहमति और भेजना</translation>
    </message>
    <message>
        <source>Send to:</source>
        <translation>किसे भेजें:</translation>
    </message>
    <message>
        <source>Choose a specialty</source>
        <translation>विशेषज्ञता चुनें</translation>
    </message>
    <message>
        <source>The patient agrees to a teleconsultation</source>
        <translation>मरीज़ टेलीकंसल्टेशन के लिए सहमत है</translation>
    </message>
    <message>
        <source>Consult live</source>
        <translation>अभी वीडियो परामर्श</translation>
    </message>
    <message>
        <source>Send for review</source>
        <translation>समीक्षा के लिए भेजें</translation>
    </message>
    <message>
        <source>Join the queue for a video call with a doctor</source>
        <translation>डॉक्टर से वीडियो कॉल की कतार में जुड़ें</translation>
    </message>
    <message>
        <source>The doctor answers later; no call needed</source>
        <translation>डॉक्टर बाद में जवाब देंगे; कॉल की ज़रूरत नहीं</translation>
    </message>
    <message>
        <source>Nothing entered</source>
        <translation>कुछ नहीं लिखा गया</translation>
    </message>
    <message>
        <source>{label}: {value}</source>
        <translation>{label}: {value}</translation>
    </message>
    <message>
        <source>{count} attached</source>
        <translation>{count} जुड़े हैं</translation>
    </message>
    <message>
        <source>Nothing attached</source>
        <translation>कुछ नहीं जुड़ा</translation>
    </message>
    <message>
        <source>Not sent yet. Please correct:</source>
        <translation>अभी भेजा नहीं गया। कृपया ठीक करें:</translation>
    </message>
    <message>
        <source>{field}: {messages}</source>
        <translation>{field}: {messages}</translation>
    </message>
    <message>
        <source>Saving the case…</source>
        <translation>केस सहेजा जा रहा है…</translation>
    </message>
    <message>
        <source>Name of the accompanying adult (needed: the patient is a child):</source>
        <translation>साथ आए वयस्क का नाम (ज़रूरी: मरीज़ बच्चा है):</translation>
    </message>
    <message>
        <source>Name of the accompanying adult (if any):</source>
        <translation>साथ आए वयस्क का नाम (अगर कोई हो):</translation>
    </message>
</context>
<context>
    <name>SaveStatus</name>
    <message>
        <source>Opening…</source>
        <extracomment>What to save: (encounter_id, patient_id, state, page), read when the save starts.</extracomment>
        <translation>खुल रहा है…</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>सहेजा जा रहा है…</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>सहेजा गया</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>सहेजा नहीं गया: {reason}</translation>
    </message>
</context>
<context>
    <name>SetupScreen</name>
    <message>
        <source>Set up this computer</source>
        <translation>इस कंप्यूटर को सेट करें</translation>
    </message>
    <message>
        <source>This is done once. The patients&apos; records on this computer are encrypted; only the operators&apos; PINs and the recovery code can open them.</source>
        <translation>यह एक ही बार होता है। इस कंप्यूटर पर मरीज़ों के रिकॉर्ड एन्क्रिप्टेड हैं; केवल ऑपरेटरों के पिन और रिकवरी कोड से ही खुलते हैं।</translation>
    </message>
    <message>
        <source>Centre name</source>
        <translation>केंद्र का नाम</translation>
    </message>
    <message>
        <source>Centre code</source>
        <translation>केंद्र का कोड</translation>
    </message>
    <message>
        <source>Your name (first operator)</source>
        <translation>आपका नाम (पहला ऑपरेटर)</translation>
    </message>
    <message>
        <source>Choose a PIN ({digits} or more digits)</source>
        <translation>पिन चुनें ({digits} या अधिक अंक)</translation>
    </message>
    <message>
        <source>Type the PIN again</source>
        <translation>पिन दोबारा लिखें</translation>
    </message>
    <message>
        <source>Set up (Enter)</source>
        <translation>सेट करें (Enter)</translation>
    </message>
    <message>
        <source>Setting up the encrypted store. This takes a few seconds…</source>
        <translation>एन्क्रिप्टेड भंडार तैयार हो रहा है। इसमें कुछ सेकंड लगते हैं…</translation>
    </message>
    <message>
        <source>Recovery code</source>
        <translation>रिकवरी कोड</translation>
    </message>
    <message>
        <source>Write this code down now and give it to district IT. It is shown only once. It opens this computer&apos;s records if every operator forgets their PIN or is locked out.</source>
        <translation>यह कोड अभी लिख लें और ज़िला आईटी को दें। यह केवल एक बार दिखाया जाता है। अगर सभी ऑपरेटर अपना पिन भूल जाएँ या बंद हो जाएँ, तो इसी से इस कंप्यूटर के रिकॉर्ड खुलते हैं।</translation>
    </message>
    <message>
        <source>I have written the recovery code down</source>
        <translation>मैंने रिकवरी कोड लिख लिया है</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>आगे बढ़ें</translation>
    </message>
    <message>
        <source>Fill in every field.</source>
        <translation>सभी खाने भरें।</translation>
    </message>
    <message>
        <source>The PIN must be at least {digits} digits.</source>
        <translation>पिन कम से कम {digits} अंकों का होना चाहिए।</translation>
    </message>
    <message>
        <source>The two PINs are not the same.</source>
        <translation>दोनों पिन एक जैसे नहीं हैं।</translation>
    </message>
</context>
<context>
    <name>Severity</name>
    <message>
        <source>Mild</source>
        <translation>हल्का</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>मध्यम</translation>
    </message>
    <message>
        <source>Severe</source>
        <translation>गंभीर</translation>
    </message>
</context>
<context>
    <name>Sex</name>
    <message>
        <source>Female</source>
        <translation>महिला</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>पुरुष</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>अन्य</translation>
    </message>
</context>
<context>
    <name>Specialty</name>
    <message>
        <source>General Medicine</source>
        <translation>सामान्य चिकित्सा</translation>
    </message>
    <message>
        <source>Paediatrics</source>
        <translation>बाल रोग</translation>
    </message>
    <message>
        <source>Obstetrics &amp; Gynaecology</source>
        <translation>प्रसूति एवं स्त्री रोग</translation>
    </message>
    <message>
        <source>Dermatology</source>
        <translation>त्वचा रोग</translation>
    </message>
    <message>
        <source>ENT</source>
        <translation>नाक, कान, गला</translation>
    </message>
    <message>
        <source>Ophthalmology</source>
        <translation>नेत्र रोग</translation>
    </message>
    <message>
        <source>Psychiatry</source>
        <translation>मनोरोग</translation>
    </message>
    <message>
        <source>Orthopaedics</source>
        <translation>हड्डी रोग</translation>
    </message>
    <message>
        <source>Dental</source>
        <translation>दंत रोग</translation>
    </message>
</context>
<context>
    <name>StepIndicator</name>
    <message>
        <source>{number} {step}</source>
        <translation>{number} {step}</translation>
    </message>
    <message>
        <source>Step {number} of {total}: {step}</source>
        <translation>चरण {number} / {total}: {step}</translation>
    </message>
</context>
<context>
    <name>StoreError</name>
    <message>
        <source>The disk is almost full. Nothing was lost: what you typed is still here. Ask district IT to free space, then save again.</source>
        <translation>डिस्क लगभग भर गई है। कुछ भी खोया नहीं: आपने जो लिखा वह यहीं है। ज़िला आईटी से जगह खाली करवाएँ, फिर दोबारा सहेजें।</translation>
    </message>
    <message>
        <source>Wrong PIN. {tries_left} tries left.</source>
        <translation>गलत पिन। {tries_left} कोशिशें बाकी हैं।</translation>
    </message>
    <message>
        <source>The PIN must be at least {min_digits} digits.</source>
        <translation>पिन कम से कम {min_digits} अंकों का होना चाहिए।</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Wait {retry_after_seconds} seconds and try again.</source>
        <translation>बहुत बार गलत पिन। {retry_after_seconds} सेकंड रुककर फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>This operator is locked out after too many wrong PINs. District IT can reset the PIN with the recovery code.</source>
        <translation>बहुत बार गलत पिन डालने से यह ऑपरेटर बंद हो गया है। ज़िला आईटी रिकवरी कोड से पिन बदल सकता है।</translation>
    </message>
    <message>
        <source>There is no operator with that name.</source>
        <translation>इस नाम का कोई ऑपरेटर नहीं है।</translation>
    </message>
    <message>
        <source>There is already an operator with that name.</source>
        <translation>इस नाम का ऑपरेटर पहले से है।</translation>
    </message>
    <message>
        <source>This computer is already set up.</source>
        <translation>यह कंप्यूटर पहले से सेट है।</translation>
    </message>
    <message>
        <source>This data was saved by a newer version of Spoke. Ask district IT to update this computer.</source>
        <translation>यह डेटा स्पोक के नए संस्करण से सहेजा गया था। ज़िला आईटी से इस कंप्यूटर को अपडेट करवाएँ।</translation>
    </message>
    <message>
        <source>The data could not be opened. Ask district IT to run the checks.</source>
        <translation>डेटा खुल नहीं सका। ज़िला आईटी से जाँच करवाएँ।</translation>
    </message>
    <message>
        <source>The key file is damaged. Ask district IT to restore the latest backup.</source>
        <translation>कुंजी फ़ाइल खराब है। ज़िला आईटी से पिछला बैकअप वापस लगवाएँ।</translation>
    </message>
    <message>
        <source>A photo or recording is damaged and cannot be shown.</source>
        <translation>एक फ़ोटो या रिकॉर्डिंग खराब है और दिखाई नहीं जा सकती।</translation>
    </message>
    <message>
        <source>A photo or recording is missing.</source>
        <translation>एक फ़ोटो या रिकॉर्डिंग नहीं मिल रही।</translation>
    </message>
    <message>
        <source>That record was not found.</source>
        <translation>वह रिकॉर्ड नहीं मिला।</translation>
    </message>
    <message>
        <source>Something went wrong with the saved data ({code}).</source>
        <translation>सहेजे गए डेटा में समस्या आई ({code})।</translation>
    </message>
</context>
<context>
    <name>Sync</name>
    <message>
        <source>This computer is not connected to a hub yet, so nothing can be sent. Everything is kept here. Call district IT to set up the hub.</source>
        <translation>यह कंप्यूटर अभी किसी हब से नहीं जुड़ा है, इसलिए कुछ भी भेजा नहीं जा सकता। सब कुछ यहीं सुरक्षित है। हब सेट करवाने के लिए ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub address set up on this computer is not a safe address, so nothing was sent. Everything is kept here. Call district IT.</source>
        <translation>इस कंप्यूटर में लिखा हब का पता सुरक्षित नहीं है, इसलिए कुछ भी नहीं भेजा गया। सब कुछ यहीं सुरक्षित है। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>Could not reach the hub. Everything is kept and will be sent when the link returns.</source>
        <translation>हब से संपर्क नहीं हो सका। सब कुछ सुरक्षित है और कनेक्शन लौटते ही भेज दिया जाएगा।</translation>
    </message>
    <message>
        <source>The hub did not answer in time. Everything is kept and will be sent when the link is better.</source>
        <translation>हब ने समय पर जवाब नहीं दिया। सब कुछ सुरक्षित है और कनेक्शन बेहतर होते ही भेज दिया जाएगा।</translation>
    </message>
    <message>
        <source>The hub&apos;s safety certificate was not accepted, so nothing was sent. If this network shows a login page, log in first; otherwise call district IT.</source>
        <translation>हब का सुरक्षा प्रमाणपत्र स्वीकार नहीं हुआ, इसलिए कुछ भी नहीं भेजा गया। अगर यह नेटवर्क लॉगिन पेज दिखाता है, तो पहले लॉगिन करें; नहीं तो ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub has a problem of its own. Everything is kept and sending will be tried again by itself (code {code}).</source>
        <translation>हब में खुद कोई खराबी है। सब कुछ सुरक्षित है और भेजने की कोशिश अपने आप फिर होगी (कोड {code})।</translation>
    </message>
    <message>
        <source>The hub is busy. Everything is kept and sending will be tried again by itself.</source>
        <translation>हब अभी व्यस्त है। सब कुछ सुरक्षित है और भेजने की कोशिश अपने आप फिर होगी।</translation>
    </message>
    <message>
        <source>The hub&apos;s answer could not be understood, so nothing was marked as sent. Sending will be tried again by itself.</source>
        <translation>हब का जवाब समझ में नहीं आया, इसलिए कुछ भी भेजा हुआ नहीं माना गया। भेजने की कोशिश अपने आप फिर होगी।</translation>
    </message>
    <message>
        <source>This program must be updated before the hub accepts anything more. Everything is kept here. Call district IT.</source>
        <translation>हब अब और कुछ तभी लेगा जब यह प्रोग्राम अपडेट होगा। सब कुछ यहीं सुरक्षित है। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub no longer accepts this computer. Everything is kept here. Call district IT to connect it again.</source>
        <translation>हब अब इस कंप्यूटर को स्वीकार नहीं करता। सब कुछ यहीं सुरक्षित है। इसे फिर से जुड़वाने के लिए ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub does not recognise this computer. Everything is kept here. Call district IT to connect it again.</source>
        <translation>हब इस कंप्यूटर को नहीं पहचानता। सब कुछ यहीं सुरक्षित है। इसे फिर से जुड़वाने के लिए ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub did not accept the set-up code: it was already used, has expired or was mistyped. Call district IT for a new one.</source>
        <translation>हब ने सेटअप कोड स्वीकार नहीं किया: वह पहले इस्तेमाल हो चुका है, उसकी अवधि खत्म हो गई है, या गलत लिखा गया है। नए कोड के लिए ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub refused something it was sent. The rest is kept and sent. If this keeps happening, call district IT (code {code}).</source>
        <translation>हब ने भेजी गई एक चीज़ लेने से मना कर दिया। बाकी सब सुरक्षित है और भेजा जा रहा है। अगर ऐसा बार-बार हो, तो ज़िला आईटी को फ़ोन करें (कोड {code})।</translation>
    </message>
    <message>
        <source>A photo or file is too large for the hub. It stays on this computer. Call district IT.</source>
        <translation>एक फ़ोटो या फ़ाइल हब के लिए बहुत बड़ी है। वह इसी कंप्यूटर पर रहेगी। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>A photo or recording is no longer on this computer and the hub does not have it. Call district IT.</source>
        <translation>एक फ़ोटो या रिकॉर्डिंग अब इस कंप्यूटर पर नहीं है, और हब के पास भी नहीं है। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub settings file (provision.toml) could not be used. Call district IT to check it.</source>
        <translation>हब की सेटिंग वाली फ़ाइल (provision.toml) इस्तेमाल नहीं हो सकी। उसे जँचवाने के लिए ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub says this data belongs to another centre. Call district IT.</source>
        <translation>हब के अनुसार यह डेटा किसी दूसरे केंद्र का है। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>Something went wrong while sending. Everything is kept here. If this keeps happening, call district IT (code {code}).</source>
        <translation>भेजते समय कुछ गड़बड़ हुई। सब कुछ यहीं सुरक्षित है। अगर ऐसा बार-बार हो, तो ज़िला आईटी को फ़ोन करें (कोड {code})।</translation>
    </message>
    <message>
        <source>The hub found this record incomplete or wrong.</source>
        <translation>हब को यह रिकॉर्ड अधूरा या गलत लगा।</translation>
    </message>
    <message>
        <source>Check the record, then press “Send again”. If it is refused again, call district IT.</source>
        <translation>रिकॉर्ड जाँचें, फिर “दोबारा भेजें” दबाएँ। अगर फिर से मना हो, तो ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>This record belongs to another centre.</source>
        <translation>यह रिकॉर्ड किसी दूसरे केंद्र का है।</translation>
    </message>
    <message>
        <source>Call district IT.</source>
        <translation>ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub did not accept this change to the case: it has moved on.</source>
        <translation>हब ने केस में यह बदलाव स्वीकार नहीं किया: केस आगे बढ़ चुका है।</translation>
    </message>
    <message>
        <source>Look at the case on the home screen. If it looks wrong, call district IT.</source>
        <translation>होम स्क्रीन पर केस देखें। अगर कुछ गलत लगे, तो ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub already has a different version of this change.</source>
        <translation>हब के पास इस बदलाव का एक अलग रूप पहले से है।</translation>
    </message>
    <message>
        <source>Do not enter it again. Call district IT.</source>
        <translation>इसे दोबारा न भरें। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>This file is too large for the hub.</source>
        <translation>यह फ़ाइल हब के लिए बहुत बड़ी है।</translation>
    </message>
    <message>
        <source>It stays on this computer. Call district IT.</source>
        <translation>यह इसी कंप्यूटर पर रहेगी। ज़िला आईटी को फ़ोन करें।</translation>
    </message>
    <message>
        <source>The hub refused this item (code {code}).</source>
        <translation>हब ने यह चीज़ लेने से मना कर दिया (कोड {code})।</translation>
    </message>
    <message>
        <source>Press “Send again”. If it is refused again, call district IT and tell them the code.</source>
        <translation>“दोबारा भेजें” दबाएँ। अगर फिर से मना हो, तो ज़िला आईटी को फ़ोन करके यह कोड बताएँ।</translation>
    </message>
    <message>
        <source>Patient details</source>
        <translation>मरीज़ की जानकारी</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>केस</translation>
    </message>
    <message>
        <source>Photo or file</source>
        <translation>फ़ोटो या फ़ाइल</translation>
    </message>
    <message>
        <source>{mb} MB</source>
        <translation>{mb} एमबी</translation>
    </message>
    <message>
        <source>{kb} KB</source>
        <translation>{kb} केबी</translation>
    </message>
    <message>
        <source>No hub set up yet</source>
        <translation>हब अभी सेट नहीं है</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>ऑनलाइन</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>ऑफ़लाइन</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>अभी जाँचा नहीं गया</translation>
    </message>
    <message>
        <source>Everything sent</source>
        <translation>सब कुछ भेज दिया गया</translation>
    </message>
    <message>
        <source>1 item ({size}) waiting to be sent</source>
        <translation>1 चीज़ ({size}) भेजने के लिए रुकी है</translation>
    </message>
    <message>
        <source>{count} items ({size}) waiting to be sent</source>
        <translation>{count} चीज़ें ({size}) भेजने के लिए रुकी हैं</translation>
    </message>
    <message>
        <source>1 item refused by the hub</source>
        <translation>हब ने 1 चीज़ लेने से मना किया</translation>
    </message>
    <message>
        <source>{count} items refused by the hub</source>
        <translation>हब ने {count} चीज़ें लेने से मना किया</translation>
    </message>
    <message>
        <source>Never sent yet</source>
        <translation>अभी तक कुछ नहीं भेजा गया</translation>
    </message>
    <message>
        <source>Last sent {when}</source>
        <translation>पिछली बार भेजा: {when}</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is off by {minutes} minutes: check the date and time</source>
        <translation>इस कंप्यूटर की घड़ी में {minutes} मिनट का फ़र्क है: तारीख और समय जाँचें</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is off by {hours} hours: check the date and time</source>
        <translation>इस कंप्यूटर की घड़ी में {hours} घंटे का फ़र्क है: तारीख और समय जाँचें</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is off by {days} days: check the date and time</source>
        <translation>इस कंप्यूटर की घड़ी में {days} दिन का फ़र्क है: तारीख और समय जाँचें</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>सिंक हो रहा है…</translation>
    </message>
    <message>
        <source>Paused for a call</source>
        <translation>कॉल के कारण रुका है</translation>
    </message>
    <message>
        <source>Update needed: call district IT</source>
        <translation>अपडेट ज़रूरी है: ज़िला आईटी को फ़ोन करें</translation>
    </message>
    <message>
        <source>Done: nothing new to send, and nothing new from the hub.</source>
        <translation>हो गया: भेजने को कुछ नया नहीं था, और हब से भी कुछ नया नहीं आया।</translation>
    </message>
    <message>
        <source>1 change</source>
        <translation>1 बदलाव</translation>
    </message>
    <message>
        <source>{count} changes</source>
        <translation>{count} बदलाव</translation>
    </message>
    <message>
        <source>1 file</source>
        <translation>1 फ़ाइल</translation>
    </message>
    <message>
        <source>{count} files</source>
        <translation>{count} फ़ाइलें</translation>
    </message>
    <message>
        <source>1 update</source>
        <translation>1 अपडेट</translation>
    </message>
    <message>
        <source>{count} updates</source>
        <translation>{count} अपडेट</translation>
    </message>
    <message>
        <source>Sent {changes} and {files}; received {updates} from the hub.</source>
        <translation>{changes} और {files} भेजे गए; हब से {updates} मिले।</translation>
    </message>
    <message>
        <source>{refused}: see the list of refused items.</source>
        <translation>{refused}: मना की गई चीज़ों की सूची देखें।</translation>
    </message>
</context>
<context>
    <name>SyncBadge</name>
    <message>
        <source>Sync… (Ctrl+Y)</source>
        <translation>सिंक… (Ctrl+Y)</translation>
    </message>
</context>
<context>
    <name>SyncScreen</name>
    <message>
        <source>Sending to the hub</source>
        <translation>हब को भेजना</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>वापस (Esc)</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>स्थिति</translation>
    </message>
    <message>
        <source>Sync now (Ctrl+S)</source>
        <translation>अभी सिंक करें (Ctrl+S)</translation>
    </message>
    <message>
        <source>Refused by the hub</source>
        <translation>हब ने जिन्हें लेने से मना किया</translation>
    </message>
    <message>
        <source>Send again (Ctrl+E)</source>
        <translation>दोबारा भेजें (Ctrl+E)</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>मरीज़</translation>
    </message>
    <message>
        <source>What it is</source>
        <translation>क्या है</translation>
    </message>
    <message>
        <source>Why it was refused</source>
        <translation>मना करने का कारण</translation>
    </message>
    <message>
        <source>No hub is set up on this computer yet, so nothing can be sent; everything is kept here. District IT enrols this desktop with “spoke-client provision” or a provision.toml file.</source>
        <translation>इस कंप्यूटर पर अभी कोई हब सेट नहीं है, इसलिए कुछ भी भेजा नहीं जा सकता; सब कुछ यहीं सुरक्षित है। ज़िला आईटी इस कंप्यूटर को “spoke-client provision” या provision.toml फ़ाइल से हब से जोड़ता है।</translation>
    </message>
    <message>
        <source>Hub: {url}
This centre: {facility} ({code})</source>
        <translation>हब: {url}
यह केंद्र: {facility} ({code})</translation>
    </message>
    <message>
        <source>Last problem: {problem}</source>
        <translation>पिछली समस्या: {problem}</translation>
    </message>
    <message>
        <source>Sending a photo or file: {done} of {total}</source>
        <translation>फ़ोटो या फ़ाइल भेजी जा रही है: {total} में से {done}</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>सिंक हो रहा है…</translation>
    </message>
    <message>
        <source>Sending did not work. Everything is kept here; try again later.</source>
        <translation>भेजना नहीं हो सका। सब कुछ यहीं सुरक्षित है; थोड़ी देर बाद फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>The hub refused these for good. They are kept on this computer. Choose one to see what to do.</source>
        <translation>हब ने इन्हें लेने से पक्का मना कर दिया है। ये इसी कंप्यूटर पर सुरक्षित हैं। क्या करना है, यह देखने के लिए किसी एक को चुनें।</translation>
    </message>
    <message>
        <source>Nothing was refused by the hub.</source>
        <translation>हब ने किसी चीज़ को लेने से मना नहीं किया।</translation>
    </message>
    <message>
        <source>What to do: {advice}</source>
        <translation>क्या करें: {advice}</translation>
    </message>
    <message>
        <source>The hub&apos;s note, for district IT: {note}</source>
        <translation>ज़िला आईटी के लिए हब का नोट: {note}</translation>
    </message>
    <message>
        <source>Something went wrong. Nothing is lost: please try again.</source>
        <translation>कुछ गड़बड़ हुई। कुछ भी खोया नहीं है: कृपया फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>{patient} — {what}: will be sent again with the next sync.</source>
        <translation>{patient} — {what}: अगली बार सिंक होने पर फिर से भेजा जाएगा।</translation>
    </message>
</context>
<context>
    <name>Unit</name>
    <message>
        <source>mmHg</source>
        <translation>mmHg</translation>
    </message>
    <message>
        <source>/min</source>
        <translation>/मिनट</translation>
    </message>
    <message>
        <source>°C</source>
        <translation>°C</translation>
    </message>
    <message>
        <source>°F</source>
        <translation>°F</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>kg</source>
        <translation>किग्रा</translation>
    </message>
    <message>
        <source>cm</source>
        <translation>सेमी</translation>
    </message>
    <message>
        <source>kg/m²</source>
        <translation>किग्रा/मी²</translation>
    </message>
    <message>
        <source>mg/dL</source>
        <translation>mg/dL</translation>
    </message>
    <message>
        <source>g/dL</source>
        <translation>g/dL</translation>
    </message>
</context>
<context>
    <name>Vital</name>
    <message>
        <source>BP systolic</source>
        <translation>बीपी ऊपर का (सिस्टोलिक)</translation>
    </message>
    <message>
        <source>BP diastolic</source>
        <translation>बीपी नीचे का (डायस्टोलिक)</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>नाड़ी</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>तापमान</translation>
    </message>
    <message>
        <source>SpO2</source>
        <translation>ऑक्सीजन (SpO2)</translation>
    </message>
    <message>
        <source>Breathing rate</source>
        <translation>सांस की दर</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>वज़न</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>लंबाई</translation>
    </message>
    <message>
        <source>BMI</source>
        <translation>बीएमआई</translation>
    </message>
    <message>
        <source>Blood sugar (random)</source>
        <translation>ब्लड शुगर (रैंडम)</translation>
    </message>
    <message>
        <source>Haemoglobin</source>
        <translation>हीमोग्लोबिन</translation>
    </message>
</context>
<context>
    <name>VitalsPage</name>
    <message>
        <source>{label}: {value} {unit}</source>
        <extracomment>Every kind the operator types (BMI is derived), in reading order. The rows of the two columns; &quot;bp&quot; is systolic / diastolic side by side, &quot;bmi&quot; is computed.</extracomment>
        <translation>{label}: {value} {unit}</translation>
    </message>
    <message>
        <source>{text} — {flag}</source>
        <translation>{text} — {flag}</translation>
    </message>
    <message>
        <source>Blood pressure</source>
        <translation>रक्तचाप (बीपी)</translation>
    </message>
    <message>
        <source>{label}: {text}</source>
        <translation>{label}: {text}</translation>
    </message>
    <message>
        <source>Vitals</source>
        <translation>जाँच (वाइटल्स)</translation>
    </message>
    <message>
        <source>Type each reading you took; leave the others empty. Enter goes to the next one.</source>
        <translation>जो जाँच की है उसका माप लिखें; बाकी खाली छोड़ें। Enter से अगले खाने पर जाएँ।</translation>
    </message>
    <message>
        <source>{label}:</source>
        <translation>{label}:</translation>
    </message>
    <message>
        <source>Temperature in degrees Celsius</source>
        <translation>तापमान डिग्री सेल्सियस में</translation>
    </message>
    <message>
        <source>Temperature in degrees Fahrenheit</source>
        <translation>तापमान डिग्री फ़ारेनहाइट में</translation>
    </message>
    <message>
        <source>{value} {unit}</source>
        <translation>{value} {unit}</translation>
    </message>
    <message>
        <source>— (from weight and height)</source>
        <translation>— (वज़न और लंबाई से)</translation>
    </message>
</context>
</TS>
